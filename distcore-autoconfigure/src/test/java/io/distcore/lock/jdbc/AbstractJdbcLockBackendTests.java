package io.distcore.lock.jdbc;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.lock.AbstractLockBackendContractTests;
import io.distcore.lock.LockBackend;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

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

	@Test
	void theTokensOfAnAcquireAndAHandOverAreTheOnesTheRowHolds() throws Exception {
		JdbcLockBackend backend = (JdbcLockBackend) newBackend();
		try {
			String name = uniqueName("row-token");
			Duration lease = Duration.ofSeconds(30);
			// Twice each, so that both the creation and the take-over of a row are read back.
			for (int round = 0; round < 2; round++) {
				long acquired = backend.acquire(name, "first", lease, Duration.ZERO).orElseThrow().fencingToken();
				assertThat(acquired).isEqualTo(rowToken(name));
				long handedOver = backend.handOver(name, "first", "second", lease).orElseThrow().fencingToken();
				assertThat(handedOver).isEqualTo(rowToken(name)).isEqualTo(acquired + 1);
				assertThat(backend.release(name, "second")).isTrue();
			}
		}
		finally {
			close(backend);
		}
	}

	private long rowToken(String name) {
		return table().admin().queryForObject("SELECT token FROM " + table().name + " WHERE name = ?", Long.class, name);
	}

	@Override
	protected void close(LockBackend backend) {
		HikariDataSource pool = this.pools.remove(backend);
		if (pool != null) {
			pool.close();
		}
	}

}
