package io.distcore.tcc.coordinator;

import java.time.Duration;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.test.JdbcEndpoint;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The coordinator's tables under a unique prefix in a real database, so that test classes (and other helpers'
 * tests) can share it; dropped by {@link #close()}.
 */
public final class TccTables implements AutoCloseable {

	public final JdbcEndpoint endpoint;

	public final String prefix = "tcc" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";

	private final HikariDataSource admin;

	public TccTables(JdbcEndpoint endpoint) {
		this.endpoint = endpoint;
		this.admin = endpoint.dataSource(2);
		new JdbcTccLogStore(this.admin, this.prefix, Duration.ofSeconds(5), () -> true).createSchema();
	}

	public HikariDataSource newPool(int size) {
		return this.endpoint.dataSource(size);
	}

	public JdbcTemplate admin() {
		return new JdbcTemplate(this.admin);
	}

	@Override
	public void close() {
		try {
			admin().execute("DROP TABLE IF EXISTS " + this.prefix + "branch");
			admin().execute("DROP TABLE IF EXISTS " + this.prefix + "transaction");
		}
		finally {
			this.admin.close();
		}
	}

}
