package io.distcore.id.segment.jdbc;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.distcore.id.SegmentUnavailableException;
import io.distcore.id.segment.Segment;
import io.distcore.id.segment.SegmentIdAssertions;
import io.distcore.id.segment.SegmentIdGenerator;
import io.distcore.id.segment.SegmentSettings;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TcpProxy;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The JDBC segment source on PostgreSQL, MariaDB and H2, alone and under the segment generator.
 */
class JdbcSegmentSourceTests {

	private static final Duration HANG = Duration.ofSeconds(30);

	private final String table = "distcore_id_segment_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

	private final List<AutoCloseable> resources = new ArrayList<>();

	private final List<JdbcTemplate> tablesToDrop = new ArrayList<>();

	@AfterEach
	void dropTablesAndClose() throws Exception {
		for (JdbcTemplate admin : this.tablesToDrop) {
			admin.execute("DROP TABLE IF EXISTS " + this.table);
		}
		for (int i = this.resources.size() - 1; i >= 0; i--) {
			this.resources.get(i).close();
		}
	}

	@Test
	void twoProcessesOnPostgreSqlNeverShareAnId() throws Exception {
		assertUniqueAcrossTwoProcesses(TestServices.postgres());
	}

	@Test
	void twoProcessesOnMariaDbNeverShareAnId() throws Exception {
		assertUniqueAcrossTwoProcesses(TestServices.mariadb());
	}

	@Test
	void twoProcessesOnH2NeverShareAnId() throws Exception {
		assertUniqueAcrossTwoProcesses(TestServices.h2("segments-" + UUID.randomUUID()));
	}

	private void assertUniqueAcrossTwoProcesses(JdbcEndpoint endpoint) throws Exception {
		createTable(endpoint);
		String tag = "order-" + UUID.randomUUID();
		List<SegmentIdGenerator> generators = List.of(generator(endpoint, 100), generator(endpoint, 100));
		long[] ids = SegmentIdAssertions.assertUniqueAndIncreasingPerThread(generators, tag, 4, 3_000);
		// 24,000 ids in segments of 100: the row was created once and raised about 240 times.
		Map<String, Object> row = admin(endpoint).queryForMap("SELECT max_id, step FROM " + this.table + " WHERE tag = ?",
				tag);
		assertThat(((Number) row.get("max_id")).longValue()).isGreaterThanOrEqualTo(ids[ids.length - 1]);
		assertThat(((Number) row.get("step")).longValue()).isEqualTo(100);
	}

	@Test
	void aSegmentIsTheStepBelowTheNewMaximumAndTheRowIsCreatedOnFirstUse() {
		JdbcEndpoint h2 = TestServices.h2("segments-" + UUID.randomUUID());
		createTable(h2);
		JdbcSegmentSource source = new JdbcSegmentSource(pool(h2.url(), h2), this.table, Duration.ofSeconds(5));
		assertThat(source.next("a", 10)).isEqualTo(new Segment(1, 10));
		assertThat(source.next("a", 5)).isEqualTo(new Segment(11, 15));
		assertThat(source.next("b", 3)).isEqualTo(new Segment(1, 3));
		assertThat(admin(h2).queryForObject("SELECT step FROM " + this.table + " WHERE tag = 'a'", Long.class))
			.isEqualTo(5);
		source.createSchema();
		assertThat(source.next("a", 1)).isEqualTo(new Segment(16, 16));
	}

	@Test
	void aSegmentTakenInsideARolledBackTransactionStaysTaken() {
		JdbcEndpoint postgres = TestServices.postgres();
		createTable(postgres);
		HikariDataSource pool = pool(postgres.url(), postgres);
		JdbcSegmentSource source = new JdbcSegmentSource(pool, this.table, Duration.ofSeconds(5));
		String tag = "tx-" + UUID.randomUUID();
		new TransactionTemplate(new DataSourceTransactionManager(pool)).executeWithoutResult((status) -> {
			assertThat(source.next(tag, 10)).isEqualTo(new Segment(1, 10));
			status.setRollbackOnly();
		});
		assertThat(source.next(tag, 10)).isEqualTo(new Segment(11, 20));
	}

	@Test
	void theDatabaseGoingAwayLeavesTheBufferedSegmentsToSpendThenFailsFastAndRecovers() throws Exception {
		JdbcEndpoint postgres = TestServices.postgres();
		createTable(postgres);
		URI server = URI.create(postgres.url().substring("jdbc:".length()));
		TcpProxy proxy = new TcpProxy(server.getHost(), server.getPort());
		this.resources.add(proxy);
		HikariDataSource pool = pool(postgres.url().replace(":" + server.getPort() + "/", ":" + proxy.port() + "/"),
				postgres);
		SegmentIdGenerator generator = new SegmentIdGenerator(
				new JdbcSegmentSource(pool, this.table, Duration.ofSeconds(2)), SegmentSettings.fixed(100, 0.1),
				Clock.systemUTC());
		this.resources.add(generator);
		String tag = "down-" + UUID.randomUUID();

		// The 11th id passes the 10 % threshold: the second segment is fetched in the background.
		SegmentIdAssertions.takeThrough(generator, tag, 1, 11);
		SegmentIdAssertions.await("the next segment is buffered", () -> generator.bufferedIds(tag) == 89 + 100);
		proxy.down();

		SegmentIdAssertions.takeThrough(generator, tag, 12, 200);
		long start = System.nanoTime();
		assertThatExceptionOfType(SegmentUnavailableException.class).isThrownBy(() -> generator.nextId(tag))
			.withMessageContaining(tag);
		assertThatExceptionOfType(SegmentUnavailableException.class).isThrownBy(() -> generator.nextIds(tag, 3));
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(HANG);

		// The failed fetches never reached the database, so they reserved nothing.
		proxy.up();
		assertThat(generator.nextId(tag)).isEqualTo(201);
	}

	@Test
	void rejectsUnsafeTableNamesAndOverlongTags() {
		JdbcEndpoint h2 = TestServices.h2("segments-" + UUID.randomUUID());
		HikariDataSource pool = pool(h2.url(), h2);
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new JdbcSegmentSource(pool, "ids; DROP TABLE users", Duration.ofSeconds(5)))
			.withMessageContaining("ids; DROP TABLE users");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new JdbcSegmentSource(pool, this.table, Duration.ofMillis(100)));
		JdbcSegmentSource source = new JdbcSegmentSource(pool, this.table, Duration.ofSeconds(5));
		assertThatIllegalArgumentException().isThrownBy(() -> source.next("x".repeat(129), 10));
	}

	private SegmentIdGenerator generator(JdbcEndpoint endpoint, long step) {
		SegmentIdGenerator generator = new SegmentIdGenerator(
				new JdbcSegmentSource(pool(endpoint.url(), endpoint), this.table, Duration.ofSeconds(5)),
				SegmentSettings.fixed(step, 0.1), Clock.systemUTC());
		this.resources.add(generator);
		return generator;
	}

	private void createTable(JdbcEndpoint endpoint) {
		new JdbcSegmentSource(pool(endpoint.url(), endpoint), this.table, Duration.ofSeconds(5)).createSchema();
		this.tablesToDrop.add(admin(endpoint));
	}

	private JdbcTemplate admin(JdbcEndpoint endpoint) {
		return new JdbcTemplate(pool(endpoint.url(), endpoint));
	}

	private HikariDataSource pool(String url, JdbcEndpoint endpoint) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(url);
		config.setUsername(endpoint.username());
		config.setPassword(endpoint.password());
		config.setMaximumPoolSize(3);
		config.setMinimumIdle(1);
		config.setConnectionTimeout(2_000);
		HikariDataSource pool = new HikariDataSource(config);
		this.resources.add(pool);
		return pool;
	}

}
