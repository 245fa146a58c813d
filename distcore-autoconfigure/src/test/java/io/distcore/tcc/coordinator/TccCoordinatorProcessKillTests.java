package io.distcore.tcc.coordinator;

import java.time.Clock;
import java.time.Duration;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.tcc.BranchTransport;
import io.distcore.tcc.Phase;
import io.distcore.tcc.TccBinding;
import io.distcore.tcc.TccParticipant;
import io.distcore.test.JavaProcess;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An initiator process killed with {@code SIGKILL} in the middle of a transaction, on PostgreSQL: in its try, or
 * after its decision while a confirm (or cancel) is being delivered. Another instance takes over once the dead
 * one's claim ran out and finishes the transaction the way its decision (or its timeout) says.
 */
class TccCoordinatorProcessKillTests {

	private static final Duration LEASE = Duration.ofSeconds(2);

	private TccTables tables;

	private HikariDataSource pool;

	@BeforeEach
	void createTables() {
		this.tables = new TccTables(TestServices.postgres());
		this.pool = this.tables.newPool(2);
	}

	@AfterEach
	void dropTables() {
		this.pool.close();
		this.tables.close();
	}

	@ParameterizedTest
	@CsvSource({ "try, return, CANCEL, CANCELLED", "phase-two, return, CONFIRM, CONFIRMED",
			"phase-two, throw, CANCEL, CANCELLED" })
	void anotherInstanceFinishesWhatAKilledOneLeft(String killedIn, String outcome, Phase expectedPhase,
			TransactionState expectedState) throws Exception {
		JdbcEndpoint postgres = TestServices.postgres();
		String xid;
		try (JavaProcess child = JavaProcess.start(Initiator.class, List.of(postgres.url(), postgres.username(),
				postgres.password(), this.tables.prefix, killedIn, outcome))) {
			String line = child.awaitLine((text) -> text.startsWith("STUCK "), Duration.ofSeconds(60));
			xid = line.substring("STUCK ".length());
		}
		RecordingParticipant participant = new RecordingParticipant();
		TccCoordinator survivor = coordinator(this.pool, this.tables.prefix, "survivor", participant);
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (survivor.store().find(xid).orElseThrow().state() != expectedState && System.nanoTime() < deadline) {
			survivor.recover();
			Thread.sleep(100);
		}
		TransactionDetails details = survivor.store().details(xid).orElseThrow();
		assertThat(details.transaction().state()).isEqualTo(expectedState);
		assertThat(details.branches()).hasSize(1);
		assertThat(participant.succeeded()).extracting(RecordingParticipant.Call::xid, RecordingParticipant.Call::phase)
			.containsExactly(org.assertj.core.groups.Tuple.tuple(xid, expectedPhase));
	}

	static TccCoordinator coordinator(javax.sql.DataSource dataSource, String prefix, String owner,
			TccParticipant participant) {
		JdbcTccLogStore store = new JdbcTccLogStore(dataSource, prefix, Duration.ofSeconds(5), () -> false);
		List<BranchTransport> transports = List.of(new LocalBranchTransport(() -> participant));
		RetryBackoff backoff = new RetryBackoff(Duration.ofMillis(100), 2.0, Duration.ofSeconds(1), 0.2);
		return new TccCoordinator(store, () -> transports, Clock.systemUTC(), owner,
				new TccCoordinator.Settings(LEASE, Duration.ofHours(1), backoff, 100));
	}

	/**
	 * The initiator: begins a transaction with one local branch and gets stuck where it is told, printing
	 * {@code STUCK <xid>}, until it is killed.
	 */
	public static final class Initiator {

		public static void main(String[] args) throws Throwable {
			JdbcEndpoint endpoint = new JdbcEndpoint("postgresql", args[0], args[1], args.length > 2 ? args[2] : "");
			String prefix = args[3];
			boolean stuckInTry = "try".equals(args[4]);
			boolean fail = "throw".equals(args[5]);
			HikariDataSource pool = endpoint.dataSource(2);
			TccParticipant stuck = (xid, branchId, phase) -> hang(xid);
			TccCoordinator coordinator = coordinator(pool, prefix, "doomed", stuck);
			coordinator.execute("doomed", Duration.ofSeconds(2), () -> {
				TccBinding.currentTransaction().enlist("local", "reserve");
				if (stuckInTry) {
					hang(TccBinding.currentTransaction().xid());
				}
				if (fail) {
					throw new IllegalStateException("business failure");
				}
				return null;
			});
		}

		private static void hang(String xid) {
			System.out.println("STUCK " + xid);
			System.out.flush();
			while (true) {
				try {
					Thread.sleep(60_000);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					return;
				}
			}
		}

	}

}
