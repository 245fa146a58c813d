package io.distcore.lock.jdbc;

import io.distcore.test.TestServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The lock contract on PostgreSQL.
 */
class JdbcLockBackendPostgreSqlTests extends AbstractJdbcLockBackendTests {

	private static LockTable table;

	@BeforeAll
	static void createTable() {
		table = new LockTable(TestServices.postgres());
	}

	@AfterAll
	static void dropTable() {
		table.close();
	}

	@Override
	protected LockTable table() {
		return table;
	}

}
