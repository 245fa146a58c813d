package io.distcore.lock.jdbc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.lock.AbstractLockBackendContractTests;
import io.distcore.lock.LockBackend;

/**
 * The lock contract on one database: every "process" gets its own connection pool on the table of its class.
 */
abstract class AbstractJdbcLockBackendTests extends AbstractLockBackendContractTests {

	private final Map<LockBackend, HikariDataSource> pools = new ConcurrentHashMap<>();

	/**
	 * The table of the concrete class, created before its first test and dropped after its last.
	 * @return the table
	 */
	protected abstract LockTable table();

	@Override
	protected LockBackend newBackend() {
		HikariDataSource pool = table().dataSource(4, null);
		JdbcLockBackend backend = table().newBackend(pool);
		this.pools.put(backend, pool);
		return backend;
	}

	@Override
	protected void close(LockBackend backend) {
		HikariDataSource pool = this.pools.remove(backend);
		if (pool != null) {
			pool.close();
		}
	}

}
