package io.distcore.id.lease.jdbc;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.id.lease.AbstractWorkerIdStoreTests;
import io.distcore.id.lease.WorkerIdStore;
import io.distcore.test.JdbcEndpoint;
import org.junit.jupiter.api.BeforeEach;

import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The JDBC store on one real database, chosen by the subclass; a fresh table per test.
 */
abstract class AbstractJdbcWorkerIdStoreTests extends AbstractWorkerIdStoreTests {

	private final String table = "wl_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);

	private HikariDataSource dataSource;

	private JdbcTemplate jdbc;

	protected abstract JdbcEndpoint endpoint();

	@BeforeEach
	void createTable() {
		this.dataSource = endpoint().dataSource(4);
		this.jdbc = new JdbcTemplate(this.dataSource);
		new JdbcWorkerIdStore(this.dataSource, this.table).createSchema();
	}

	@Override
	protected void cleanUp() {
		this.jdbc.execute("DROP TABLE " + this.table);
		this.dataSource.close();
	}

	@Override
	protected WorkerIdStore newStore() {
		return new JdbcWorkerIdStore(this.dataSource, this.table);
	}

	@Override
	protected void steal(int slot, String thief) {
		this.jdbc.update("UPDATE " + this.table + " SET owner = ?, expires_at = ? WHERE slot = ?", thief,
				Timestamp.from(Instant.now().plus(1, ChronoUnit.DAYS)), slot);
	}

	@Override
	protected void unsteal(int slot, String thief) {
		this.jdbc.update("UPDATE " + this.table + " SET owner = NULL, expires_at = NULL WHERE slot = ? AND owner = ?",
				slot, thief);
	}

}
