package io.distcore.lock.jdbc;

import io.distcore.test.TestServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The lock contract on MariaDb.
 */
class JdbcLockBackendMariaDbTests extends AbstractJdbcLockBackendTests {

	private static LockTable table;

	@BeforeAll
	static void createTable() {
		table = new LockTable(TestServices.mariadb());
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
