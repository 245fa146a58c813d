package io.distcore.tcc.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.tcc.BranchTransport;
import io.distcore.tcc.TccBinding;
import io.distcore.tcc.TccListener;
import io.distcore.tcc.coordinator.JdbcTccLogStore;
import io.distcore.tcc.coordinator.LocalBranchTransport;
import io.distcore.tcc.coordinator.RecordingParticipant;
import io.distcore.tcc.coordinator.RetryBackoff;
import io.distcore.tcc.coordinator.TccCoordinator;
import io.distcore.tcc.coordinator.TccTables;
import io.distcore.tcc.coordinator.TransactionState;
import io.distcore.test.MutableClock;
import io.distcore.test.TestServices;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The TCC meters fed by a real coordinator on H2, its time a {@link MutableClock}.
 */
class TccMetricsH2Tests {

	private static final Duration MAX_RETRY = Duration.ofHours(1);

	private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));

	private final RecordingParticipant participant = new RecordingParticipant();

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private TccTables tables;

	private HikariDataSource pool;

	private TccMetrics metrics;

	@BeforeEach
	void createTables() {
		this.tables = new TccTables(TestServices.h2("tcc" + UUID.randomUUID()));
		this.pool = this.tables.newPool(2);
		this.metrics = new TccMetrics(new JdbcTccLogStore(this.pool, this.tables.prefix, Duration.ofSeconds(5),
				() -> false));
		this.metrics.bindTo(this.registry);
	}

	@AfterEach
	void dropTables() {
		this.metrics.destroy();
		this.pool.close();
		this.tables.close();
	}

	private TccCoordinator coordinator(TccListener... listeners) {
		JdbcTccLogStore store = new JdbcTccLogStore(this.pool, this.tables.prefix, Duration.ofSeconds(5), () -> false);
		RetryBackoff backoff = new RetryBackoff(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(8), 0.0);
		List<BranchTransport> transports = List.of(new LocalBranchTransport(() -> this.participant));
		return new TccCoordinator(store, () -> transports, this.clock, "instance-a",
				new TccCoordinator.Settings(Duration.ofSeconds(30), MAX_RETRY, backoff, 100), List.of(listeners));
	}

	private static String run(TccCoordinator coordinator, RuntimeException failure) throws Throwable {
		StringBuilder xid = new StringBuilder();
		coordinator.execute("order", Duration.ofSeconds(60), () -> {
			xid.append(TccBinding.currentTransaction().xid());
			TccBinding.currentTransaction().enlist("local", "reserve");
			if (failure != null) {
				throw failure;
			}
			return "done";
		});
		return xid.toString();
	}

	private double transactions(String outcome) {
		return this.registry.get("distcore.tcc.transactions").tags("name", "order", "outcome", outcome).counter()
			.count();
	}

	@Test
	void countsOutcomesRetriesAndRecoveryRuns() throws Throwable {
		TccCoordinator coordinator = coordinator(this.metrics);
		run(coordinator, null);
		assertThatIllegalStateException().isThrownBy(() -> run(coordinator, new IllegalStateException("no stock")));
		this.participant.failNext(1);
		run(coordinator, null);
		assertThat(transactions("confirmed")).isEqualTo(1);
		assertThat(transactions("cancelled")).isEqualTo(1);
		assertThat(this.registry.get("distcore.tcc.phase2.retries").tag("name", "order").counter().count())
			.isEqualTo(1);

		this.clock.advance(Duration.ofSeconds(1));
		assertThat(coordinator.recover()).isEqualTo(1);
		assertThat(transactions("confirmed")).as("the retried one").isEqualTo(2);
		assertThat(this.registry.get("distcore.tcc.phase2.retries").counter().count()).isEqualTo(1);
		assertThat(this.registry.get("distcore.tcc.recovery.runs").counter().count()).isEqualTo(1);
		assertThat(this.registry.get("distcore.tcc.transactions.duration").tags("outcome", "confirmed").timer()
			.count()).isEqualTo(2);
		assertThat(this.registry.get("distcore.tcc.transactions.duration").tags("outcome", "confirmed").timer()
			.max(java.util.concurrent.TimeUnit.SECONDS)).as("the retried one took the back-off").isEqualTo(1);
	}

	@Test
	void needsPersonGaugeShowsAConfirmThatGaveUp() throws Throwable {
		TccCoordinator coordinator = coordinator(this.metrics);
		this.participant.failAlways(true);
		String xid = run(coordinator, null);
		this.clock.advance(MAX_RETRY);
		coordinator.recover();
		assertThat(coordinator.store().find(xid).orElseThrow().state()).isEqualTo(TransactionState.CONFIRM_FAILED);
		assertThat(transactions("confirm_failed")).isEqualTo(1);

		assertThat(gauge("distcore.tcc.needs.person")).isEqualTo(1);
		assertThat(gauge("distcore.tcc.in.doubt")).isZero();
	}

	@Test
	void inDoubtGaugeShowsAPostponedConfirm() throws Throwable {
		this.participant.failAlways(true);
		run(coordinator(this.metrics), null);
		assertThat(gauge("distcore.tcc.in.doubt")).isEqualTo(1);
		assertThat(gauge("distcore.tcc.needs.person")).isZero();
	}

	@Test
	void listenerThatThrowsDoesNotBreakTheTransaction() throws Throwable {
		TccListener throwing = new TccListener() {

			@Override
			public void finished(String name, Outcome outcome, Duration duration) {
				throw new IllegalStateException("listener failed");
			}

		};
		TccCoordinator coordinator = coordinator(throwing, this.metrics);
		String xid = run(coordinator, null);
		assertThat(coordinator.store().find(xid).orElseThrow().state()).isEqualTo(TransactionState.CONFIRMED);
		assertThat(transactions("confirmed")).as("later listeners are still told").isEqualTo(1);
	}

	@Test
	void gaugesReadTheLogAtMostEveryTenSeconds() throws Throwable {
		assertThat(gauge("distcore.tcc.in.doubt")).isZero();
		this.participant.failAlways(true);
		run(coordinator(this.metrics), null);
		Thread.sleep(1000);
		assertThat(this.registry.get("distcore.tcc.in.doubt").gauge().value()).as("cached").isZero();
	}

	@Test
	void failedReadKeepsTheLastValue() throws Throwable {
		this.metrics.destroy();
		this.registry.clear();
		this.metrics = new TccMetrics(new JdbcTccLogStore(this.pool, this.tables.prefix, Duration.ofSeconds(5),
				() -> false), Duration.ZERO);
		this.metrics.bindTo(this.registry);
		this.participant.failAlways(true);
		run(coordinator(this.metrics), null);
		assertThat(gauge("distcore.tcc.in.doubt")).isEqualTo(1);
		this.tables.admin().execute("DROP TABLE " + this.tables.prefix + "branch");
		this.tables.admin().execute("DROP TABLE " + this.tables.prefix + "transaction");
		Gauge gauge = this.registry.get("distcore.tcc.in.doubt").gauge();
		for (int i = 0; i < 20; i++) {
			assertThat(gauge.value()).isEqualTo(1);
			Thread.sleep(50);
		}
	}

	/** The gauge reads the log on its own thread: the first reads give the value before the read. */
	private double gauge(String name) throws InterruptedException {
		Gauge gauge = this.registry.get(name).gauge();
		long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
		double value = gauge.value();
		while (Double.isNaN(value) && System.nanoTime() < deadline) {
			Thread.sleep(20);
			value = gauge.value();
		}
		return value;
	}

}
