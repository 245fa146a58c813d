package io.distcore.tcc.coordinator;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.tcc.BranchTransport;
import io.distcore.tcc.Phase;
import io.distcore.tcc.TccBinding;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.MutableClock;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review attacks on the coordinator: a phase-two error whose text the log cannot store must not turn the
 * back-off and the retry time off (the transaction would then be retried at every recovery run, forever, and
 * never reach CONFIRM_FAILED).
 */
class TccCoordinatorReviewTests {

	private static final Duration LEASE = Duration.ofSeconds(30);

	private static final Duration MAX_RETRY = Duration.ofMinutes(10);

	/** PostgreSQL refuses NUL in text: an exception message with one (binary in a reply body) broke the log. */
	@Test
	void phaseTwoErrorWithANulCharacterIsRecordedAndBackedOffOnPostgreSql() throws Throwable {
		JdbcEndpoint endpoint = TestServices.postgres();
		try (TccTables tables = new TccTables(endpoint); HikariDataSource pool = tables.newPool(2)) {
			assertErrorIsRecordedAndRetriesEnd(pool, tables.prefix, "reply body \u0000\u0001 binary");
		}
	}

	/**
	 * A MariaDB/MySQL schema whose default character set is latin1 (upstream MariaDB's and MySQL 5.7's default):
	 * the log's text columns took the database's character set, so a participant's non-Latin error (here the
	 * Chinese "not enough stock") failed the UPDATE in strict mode.
	 */
	@Test
	void phaseTwoErrorInChineseIsRecordedOnALatin1MariaDbSchema() throws Throwable {
		JdbcEndpoint endpoint = TestServices.mariadb();
		String schema = "review" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
		try (HikariDataSource admin = endpoint.dataSource(2)) {
			JdbcTemplate jdbc = new JdbcTemplate(admin);
			jdbc.execute("CREATE DATABASE " + schema + " CHARACTER SET latin1 COLLATE latin1_swedish_ci");
			try {
				String prefix = schema + ".tcc_";
				new JdbcTccLogStore(admin, prefix, Duration.ofSeconds(5), () -> true).createSchema();
				assertErrorIsRecordedAndRetriesEnd(admin, prefix, "库存不足 (not enough stock)");
			}
			finally {
				jdbc.execute("DROP DATABASE IF EXISTS " + schema);
			}
		}
	}

	private void assertErrorIsRecordedAndRetriesEnd(javax.sql.DataSource dataSource, String prefix, String message)
			throws Throwable {
		MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
		BranchTransport failing = new BranchTransport() {

			@Override
			public String kind() {
				return "local";
			}

			@Override
			public void deliver(String xid, String branchId, String address, Phase phase) {
				throw new IllegalStateException(message);
			}

		};
		JdbcTccLogStore store = new JdbcTccLogStore(dataSource, prefix, Duration.ofSeconds(5), () -> false);
		TccCoordinator coordinator = new TccCoordinator(store, () -> List.of(failing), clock, "review-a",
				new TccCoordinator.Settings(LEASE, MAX_RETRY,
						new RetryBackoff(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(8), 0.0), 100));
		AtomicReference<String> xid = new AtomicReference<>();
		coordinator.execute("review", Duration.ofSeconds(60), () -> {
			xid.set(TccBinding.currentTransaction().xid());
			TccBinding.currentTransaction().enlist("local", "stock");
			return null;
		});
		BranchRecord branch = store.branches(xid.get()).get(0);
		assertThat(branch.attempts()).as("the failed attempt is counted").isEqualTo(1);
		assertThat(branch.lastError()).as("the error is kept for a person").isNotNull();
		assertThat(store.find(xid.get()).orElseThrow().owner()).as("the claim is released for any instance").isNull();
		for (int i = 0; i < 200 && store.find(xid.get()).orElseThrow().state() == TransactionState.CONFIRMING; i++) {
			clock.advance(Duration.ofSeconds(30));
			coordinator.recover();
		}
		assertThat(store.find(xid.get()).orElseThrow().state()).as("the retry time ends the retries")
			.isEqualTo(TransactionState.CONFIRM_FAILED);
	}

}
