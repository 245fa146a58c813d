package io.distcore.lock.jdbc;

import java.util.UUID;

import io.distcore.test.TestServices;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The lock contract on H2.
 */
class JdbcLockBackendH2Tests extends AbstractJdbcLockBackendTests {

	private static LockTable table;

	@BeforeAll
	static void createTable() {
		table = new LockTable(TestServices.h2("lock-contract-" + UUID.randomUUID()));
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
