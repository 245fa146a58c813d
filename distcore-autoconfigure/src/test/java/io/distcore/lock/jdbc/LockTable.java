package io.distcore.lock.jdbc;

import java.time.Duration;
import java.util.UUID;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.distcore.test.JdbcEndpoint;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A lock table with a unique name in a real database, so that test classes can run in parallel; dropped by
 * {@link #close()}.
 */
final class LockTable implements AutoCloseable {

	final JdbcEndpoint endpoint;

	final String name = "distcore_lock_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

	private final HikariDataSource admin;

	LockTable(JdbcEndpoint endpoint) {
		this.endpoint = endpoint;
		this.admin = dataSource(2, null);
		newBackend(this.admin).createSchema();
	}

	/**
	 * A new pool on the database, standing for another process's.
	 * @param size largest number of connections
	 * @param connectionInitSql statement run on every new connection, or {@code null}
	 * @return the pool; the caller closes it
	 */
	HikariDataSource dataSource(int size, String connectionInitSql) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(this.endpoint.url());
		config.setUsername(this.endpoint.username());
		config.setPassword(this.endpoint.password());
		config.setMaximumPoolSize(size);
		config.setMinimumIdle(1);
		config.setConnectionTimeout(5_000);
		config.setConnectionInitSql(connectionInitSql);
		return new HikariDataSource(config);
	}

	JdbcLockBackend newBackend(HikariDataSource dataSource) {
		return new JdbcLockBackend(dataSource, this.name, Duration.ofMillis(10), Duration.ofMillis(200),
				Duration.ofSeconds(5));
	}

	JdbcTemplate admin() {
		return new JdbcTemplate(this.admin);
	}

	@Override
	public void close() {
		try {
			admin().execute("DROP TABLE IF EXISTS " + this.name);
		}
		finally {
			this.admin.close();
		}
	}

}
