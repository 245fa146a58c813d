package io.distcore.tcc.coordinator;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.tcc.BranchTransport;
import io.distcore.tcc.Phase;
import io.distcore.tcc.TccBinding;
import io.distcore.tcc.TccException;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.MutableClock;
import io.distcore.test.TcpProxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The coordinator's contract on one database: each concrete class gives the database; the class's tables have a
 * unique prefix and each test starts with them empty. Time is a {@link MutableClock}, so back-off, timeouts and the retry time are tested
 * without sleeping.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractTccCoordinatorTests {

	private static final Duration LEASE = Duration.ofSeconds(30);

	private static final Duration MAX_RETRY = Duration.ofHours(1);

	private final List<HikariDataSource> pools = new ArrayList<>();

	private MutableClock clock;

	private RecordingParticipant participant;

	private SwitchableDataSource database;

	private TccCoordinator coordinator;

	private TccTables tables;

	/**
	 * The database of the concrete class.
	 * @return the endpoint
	 */
	protected abstract JdbcEndpoint endpoint();

	private TccTables tables() {
		return this.tables;
	}

	@BeforeAll
	void createTables() {
		this.tables = new TccTables(endpoint());
	}

	@AfterAll
	void dropTables() {
		this.tables.close();
	}

	@BeforeEach
	void emptyTables() {
		this.clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
		this.participant = new RecordingParticipant();
		tables().admin().update("DELETE FROM " + tables().prefix + "branch");
		tables().admin().update("DELETE FROM " + tables().prefix + "transaction");
		this.database = new SwitchableDataSource(pool());
		this.coordinator = newCoordinator(this.database, "instance-a", this.participant);
	}

	@AfterEach
	void closePools() {
		this.pools.forEach(HikariDataSource::close);
		this.pools.clear();
	}

	private HikariDataSource pool() {
		HikariDataSource pool = tables().newPool(4);
		this.pools.add(pool);
		return pool;
	}

	private TccCoordinator newCoordinator(javax.sql.DataSource dataSource, String owner, RecordingParticipant target) {
		JdbcTccLogStore store = new JdbcTccLogStore(dataSource, tables().prefix, Duration.ofSeconds(5), () -> false);
		RetryBackoff backoff = new RetryBackoff(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(8), 0.0);
		List<BranchTransport> transports = List.of(new LocalBranchTransport(() -> target));
		return new TccCoordinator(store, () -> transports, this.clock, owner,
				new TccCoordinator.Settings(LEASE, MAX_RETRY, backoff, 100));
	}

	private JdbcTccLogStore store() {
		return this.coordinator.store();
	}

	/** Runs a transaction that enlists {@code branches} local branches and then returns or throws. */
	private String run(int branches, RuntimeException failure) throws Throwable {
		AtomicReference<String> xid = new AtomicReference<>();
		this.coordinator.execute("test", Duration.ofSeconds(60), () -> {
			TccBinding.ActiveTransaction transaction = TccBinding.currentTransaction();
			xid.set(transaction.xid());
			for (int i = 0; i < branches; i++) {
				transaction.enlist("local", "action" + i);
			}
			if (failure != null) {
				throw failure;
			}
			return "done";
		});
		return xid.get();
	}

	private TransactionState state(String xid) {
		return store().find(xid).orElseThrow().state();
	}

	@Test
	void methodThatReturnsConfirmsEveryBranchAndReturnsItsResult() throws Throwable {
		AtomicReference<String> xid = new AtomicReference<>();
		Object result = this.coordinator.execute("order", Duration.ofSeconds(60), () -> {
			xid.set(TccBinding.currentTransaction().xid());
			TccBinding.currentTransaction().enlist("local", "reserve");
			TccBinding.currentTransaction().enlist("local", "charge");
			return 42;
		});
		assertThat(result).isEqualTo(42);
		assertThat(TccBinding.currentTransaction()).isNull();
		assertThat(this.participant.calls()).extracting(RecordingParticipant.Call::branchId, RecordingParticipant.Call::phase)
			.containsExactly(org.assertj.core.groups.Tuple.tuple("1", Phase.CONFIRM),
					org.assertj.core.groups.Tuple.tuple("2", Phase.CONFIRM));
		TransactionDetails details = store().details(xid.get()).orElseThrow();
		assertThat(details.transaction().state()).isEqualTo(TransactionState.CONFIRMED);
		assertThat(details.transaction().name()).isEqualTo("order");
		assertThat(details.transaction().finishedAt()).isNotNull();
		assertThat(details.transaction().owner()).isNull();
		assertThat(details.branches()).extracting(BranchRecord::state).containsOnly(BranchState.CONFIRMED);
		assertThat(details.branches()).extracting(BranchRecord::address).containsExactly("reserve", "charge");
	}

	@Test
	void methodThatThrowsCancelsEveryBranchAndTheCallerGetsItsException() {
		IllegalArgumentException failure = new IllegalArgumentException("out of stock");
		assertThatExceptionOfType(IllegalArgumentException.class).isThrownBy(() -> run(2, failure))
			.isSameAs(failure);
		assertThat(this.participant.calls()).extracting(RecordingParticipant.Call::phase)
			.containsExactly(Phase.CANCEL, Phase.CANCEL);
		String xid = this.participant.calls().get(0).xid();
		assertThat(state(xid)).isEqualTo(TransactionState.CANCELLED);
		assertThat(store().branches(xid)).extracting(BranchRecord::state).containsOnly(BranchState.CANCELLED);
	}

	@Test
	void transactionWithoutBranchesFinishes() throws Throwable {
		String xid = run(0, null);
		assertThat(state(xid)).isEqualTo(TransactionState.CONFIRMED);
	}

	@Test
	void nestedTransactionJoinsTheOuterOne() throws Throwable {
		AtomicReference<String> inner = new AtomicReference<>();
		AtomicReference<String> outer = new AtomicReference<>();
		this.coordinator.execute("outer", Duration.ofSeconds(60), () -> {
			outer.set(TccBinding.currentTransaction().xid());
			return this.coordinator.execute("inner", Duration.ofSeconds(60), () -> {
				inner.set(TccBinding.currentTransaction().xid());
				return TccBinding.currentTransaction().enlist("local", "a");
			});
		});
		assertThat(inner.get()).isEqualTo(outer.get());
		assertThat(store().list(EnumSet.noneOf(TransactionState.class), null, 10)).hasSize(1);
	}

	@Test
	void transactionInsideAnInboundBranchIsRefusedWithoutALogRow() {
		try (TccBinding.Scope scope = TccBinding.bind(new TccBinding.InboundBranch("other-xid", "1"))) {
			assertThatExceptionOfType(TccException.class)
				.isThrownBy(() -> this.coordinator.execute("nested", Duration.ofSeconds(60), () -> "x"))
				.withMessageContaining("one level");
		}
		assertThat(store().list(EnumSet.noneOf(TransactionState.class), null, 10)).isEmpty();
	}

	@Test
	void branchIsRecordedBeforeEnlistReturns() throws Throwable {
		this.coordinator.execute("t", Duration.ofSeconds(60), () -> {
			TccBinding.ActiveTransaction transaction = TccBinding.currentTransaction();
			String branchId = transaction.enlist("local", "reserve");
			// A second pool stands for another process: the row is committed, not only in this connection.
			JdbcTccLogStore other = new JdbcTccLogStore(pool(), tables().prefix, Duration.ofSeconds(5), () -> false);
			assertThat(other.branches(transaction.xid())).extracting(BranchRecord::branchId, BranchRecord::state)
				.containsExactly(org.assertj.core.groups.Tuple.tuple(branchId, BranchState.ENLISTED));
			assertThat(other.find(transaction.xid()).orElseThrow().state()).isEqualTo(TransactionState.TRYING);
			return null;
		});
	}

	@Test
	void enlistAfterTheMethodReturnedIsRefused() throws Throwable {
		AtomicReference<TccBinding.ActiveTransaction> captured = new AtomicReference<>();
		this.coordinator.execute("t", Duration.ofSeconds(60), () -> {
			captured.set(TccBinding.currentTransaction());
			return null;
		});
		assertThatExceptionOfType(TccException.class).isThrownBy(() -> captured.get().enlist("local", "late"))
			.withMessageContaining("no longer in its try phase");
		assertThat(store().branches(captured.get().xid())).isEmpty();
	}

	@Test
	void enlistWhenTheLogIsDownFailsSoTheTryIsNotSent() {
		assertThatExceptionOfType(TccException.class).isThrownBy(() -> this.coordinator.execute("t",
				Duration.ofSeconds(60), () -> {
					this.database.down(true);
					try {
						return TccBinding.currentTransaction().enlist("local", "reserve");
					}
					finally {
						this.database.down(false);
					}
				})).withMessageContaining("try must not be sent");
	}

	@Test
	void branchIdsAreUniqueUnderConcurrentEnlists() throws Throwable {
		Set<String> ids = java.util.concurrent.ConcurrentHashMap.newKeySet();
		this.coordinator.execute("t", Duration.ofSeconds(60), () -> {
			TccBinding.Snapshot snapshot = TccBinding.capture();
			List<CompletableFuture<Void>> futures = new ArrayList<>();
			for (int i = 0; i < 8; i++) {
				int n = i;
				Runnable enlist = () -> ids.add(TccBinding.currentTransaction().enlist("local", "action" + n));
				futures.add(CompletableFuture.runAsync(snapshot.wrap(enlist)));
			}
			futures.forEach(CompletableFuture::join);
			return null;
		});
		assertThat(ids).hasSize(8);
		assertThat(this.participant.succeeded()).hasSize(8);
	}

	@Test
	void confirmThatFailsTwiceIsRetriedWithBackOffUntilItSucceeds() throws Throwable {
		this.participant.failNext(2);
		Instant start = this.clock.instant();
		String xid = run(1, null);
		// Phase-two failures never change what the caller gets: the method's result came back.
		BranchRecord branch = store().branches(xid).get(0);
		assertThat(state(xid)).isEqualTo(TransactionState.CONFIRMING);
		assertThat(branch.attempts()).isEqualTo(1);
		assertThat(branch.lastError()).contains("injected CONFIRM failure");
		assertThat(branch.nextAttemptAt()).isEqualTo(start.plusSeconds(1));
		TransactionRecord transaction = store().find(xid).orElseThrow();
		assertThat(transaction.owner()).isNull();
		assertThat(transaction.nextAttemptAt()).isEqualTo(start.plusSeconds(1));
		assertThat(transaction.lastError()).contains("injected CONFIRM failure");

		assertThat(this.coordinator.recover()).as("not due yet").isZero();
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(this.coordinator.recover()).isEqualTo(1);
		branch = store().branches(xid).get(0);
		assertThat(branch.attempts()).isEqualTo(2);
		assertThat(branch.nextAttemptAt()).as("the wait doubled").isEqualTo(this.clock.instant().plusSeconds(2));

		this.clock.advance(Duration.ofSeconds(1));
		assertThat(this.coordinator.recover()).isZero();
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(this.coordinator.recover()).isEqualTo(1);
		assertThat(state(xid)).isEqualTo(TransactionState.CONFIRMED);
		assertThat(this.participant.calls()).extracting(RecordingParticipant.Call::succeeded)
			.containsExactly(false, false, true);
	}

	@Test
	void retryWaitIsCapped() throws Throwable {
		this.participant.failAlways(true);
		String xid = run(1, null);
		for (int i = 0; i < 8; i++) {
			this.clock.advance(Duration.ofSeconds(8));
			this.coordinator.recover();
		}
		BranchRecord branch = store().branches(xid).get(0);
		assertThat(branch.attempts()).isEqualTo(9);
		assertThat(Duration.between(this.clock.instant(), branch.nextAttemptAt())).isEqualTo(Duration.ofSeconds(8));
	}

	@Test
	void phaseTwoFailingPastTheRetryTimeNeedsAPersonAndIsNotRetried() throws Throwable {
		this.participant.failAlways(true);
		IllegalStateException failure = new IllegalStateException("business failed");
		assertThatIllegalStateException().isThrownBy(() -> run(1, failure)).isSameAs(failure);
		String xid = this.participant.calls().get(0).xid();
		this.clock.advance(MAX_RETRY);
		this.coordinator.recover();
		TransactionRecord transaction = store().find(xid).orElseThrow();
		assertThat(transaction.state()).isEqualTo(TransactionState.CANCEL_FAILED);
		assertThat(transaction.lastError()).contains("injected CANCEL failure");
		int calls = this.participant.calls().size();
		this.clock.advance(Duration.ofDays(30));
		this.coordinator.recover();
		this.coordinator.deleteFinished(Duration.ofDays(1), 100, 10);
		assertThat(this.participant.calls()).hasSize(calls);
		assertThat(state(xid)).as("never dropped").isEqualTo(TransactionState.CANCEL_FAILED);
		assertThat(store().list(EnumSet.of(TransactionState.CANCEL_FAILED), null, 10))
			.extracting(TransactionRecord::xid)
			.containsExactly(xid);
	}

	@Test
	void transactionThatNeedsAPersonCanBeRetriedOnceFixed() throws Throwable {
		this.participant.failAlways(true);
		String xid = run(1, null);
		this.clock.advance(MAX_RETRY);
		this.coordinator.recover();
		assertThat(state(xid)).isEqualTo(TransactionState.CONFIRM_FAILED);
		assertThat(store().reopen("missing", this.clock.instant())).isFalse();
		this.participant.failAlways(false);
		assertThat(store().reopen(xid, this.clock.instant())).isTrue();
		assertThat(store().reopen(xid, this.clock.instant())).as("only a failed one").isFalse();
		assertThat(this.coordinator.recover()).isEqualTo(1);
		assertThat(state(xid)).isEqualTo(TransactionState.CONFIRMED);
	}

	@Test
	void tryingTransactionOfADeadInitiatorIsCancelledAfterItsTimeout() {
		Instant now = this.clock.instant();
		store().insertTransaction("dead-1", "t", now, now.plusSeconds(60), "dead-instance");
		assertThat(store().insertBranch("dead-1", "1", "local", "reserve", now)).isTrue();
		this.clock.advance(Duration.ofSeconds(59));
		assertThat(this.coordinator.recover()).isZero();
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(this.coordinator.recover()).isEqualTo(1);
		assertThat(state("dead-1")).isEqualTo(TransactionState.CANCELLED);
		assertThat(this.participant.succeeded()).extracting(RecordingParticipant.Call::phase)
			.containsExactly(Phase.CANCEL);
	}

	@Test
	void methodThatOutlivesItsTimeoutIsCancelledAndItsCallerTold() {
		TccCoordinator other = newCoordinator(pool(), "instance-b", this.participant);
		assertThatExceptionOfType(TccException.class).isThrownBy(() -> this.coordinator.execute("slow",
				Duration.ofSeconds(5), () -> {
					TccBinding.currentTransaction().enlist("local", "reserve");
					this.clock.advance(Duration.ofSeconds(6));
					assertThat(other.recover()).isEqualTo(1);
					return "too late";
				})).withMessageContaining("timeout");
		assertThat(this.participant.succeeded()).extracting(RecordingParticipant.Call::phase)
			.containsExactly(Phase.CANCEL);
		String xid = this.participant.calls().get(0).xid();
		assertThat(state(xid)).isEqualTo(TransactionState.CANCELLED);
	}

	@Test
	void methodThatOutlivesItsTimeoutIsCancelledByItsOwnInstanceToo() {
		assertThatExceptionOfType(TccException.class).isThrownBy(() -> this.coordinator.execute("slow",
				Duration.ofSeconds(5), () -> {
					TccBinding.currentTransaction().enlist("local", "reserve");
					this.clock.advance(Duration.ofSeconds(5));
					assertThat(this.coordinator.recover()).isEqualTo(1);
					assertThatExceptionOfType(TccException.class)
						.isThrownBy(() -> TccBinding.currentTransaction().enlist("local", "late"));
					return "too late";
				})).withMessageContaining("timeout");
		assertThat(this.participant.calls()).extracting(RecordingParticipant.Call::phase)
			.containsExactly(Phase.CANCEL);
		assertThat(state(this.participant.calls().get(0).xid())).isEqualTo(TransactionState.CANCELLED);
	}

	@Test
	void enlistRacingATimeoutCancelLeavesNoBranchBehind() throws Throwable {
		TccCoordinator other = newCoordinator(pool(), "instance-b", this.participant);
		for (int round = 0; round < 50; round++) {
			java.util.concurrent.atomic.AtomicInteger enlisted = new java.util.concurrent.atomic.AtomicInteger();
			try {
				this.coordinator.execute("race", Duration.ofSeconds(5), () -> {
					TccBinding.Snapshot snapshot = TccBinding.capture();
					this.clock.advance(Duration.ofSeconds(5));
					// Another thread keeps enlisting while the other instance cancels the timed-out transaction.
					CompletableFuture<Void> enlisting = CompletableFuture.runAsync(snapshot.wrap(() -> {
						try {
							// Bounded, so a cancel that never comes fails the assertions below instead of hanging.
							while (enlisted.get() < 1_000) {
								TccBinding.currentTransaction().enlist("local", "reserve");
								enlisted.incrementAndGet();
							}
						}
						catch (TccException refused) {
							// cancelled: no more branches
						}
					}));
					other.recover();
					enlisting.join();
					return null;
				});
			}
			catch (TccException timedOut) {
				// expected: the method outlived its timeout
			}
		}
		List<TransactionRecord> transactions = store().list(EnumSet.noneOf(TransactionState.class), null, 1000);
		assertThat(transactions).hasSize(50).extracting(TransactionRecord::state).containsOnly(TransactionState.CANCELLED);
		for (TransactionRecord transaction : transactions) {
			List<BranchRecord> branches = store().branches(transaction.xid());
			assertThat(branches).allSatisfy((branch) -> assertThat(branch.state()).isEqualTo(BranchState.CANCELLED));
			assertThat(this.participant.succeeded().stream().filter((call) -> call.xid().equals(transaction.xid())))
				.hasSize(branches.size());
		}
	}

	@Test
	void coordinatorDatabaseDownDuringPhaseTwoLosesNothing() throws Throwable {
		// The participant confirms, then the log is unreachable: the branch cannot be recorded as confirmed.
		this.participant.afterSuccess(() -> this.database.down(true));
		String xid;
		try {
			xid = run(1, null);
		}
		finally {
			this.participant.afterSuccess(() -> {
			});
		}
		assertThatExceptionOfType(org.springframework.dao.DataAccessException.class)
			.as("database still down")
			.isThrownBy(this.coordinator::recover);
		this.database.down(false);
		assertThat(state(xid)).isEqualTo(TransactionState.CONFIRMING);
		assertThat(this.coordinator.recover()).isEqualTo(1);
		assertThat(state(xid)).isEqualTo(TransactionState.CONFIRMED);
		// Delivered again: the barrier makes the second confirm a no-op on a real participant.
		assertThat(this.participant.succeeded()).hasSize(2);
	}

	@Test
	void databaseDownBeforeTheDecisionFailsTheCallAndRecoveryCancelsAfterTheTimeout() {
		IllegalStateException businessFailure = new IllegalStateException("business");
		assertThatExceptionOfType(TccException.class).isThrownBy(() -> this.coordinator.execute("t",
				Duration.ofSeconds(10), () -> {
					TccBinding.currentTransaction().enlist("local", "reserve");
					this.database.down(true);
					throw businessFailure;
				}))
			.withMessageContaining("could not be written")
			.satisfies((ex) -> assertThat(ex.getSuppressed()).containsExactly(businessFailure));
		this.database.down(false);
		assertThat(this.participant.calls()).isEmpty();
		this.clock.advance(Duration.ofSeconds(10));
		assertThat(this.coordinator.recover()).isEqualTo(1);
		assertThat(this.participant.succeeded()).extracting(RecordingParticipant.Call::phase)
			.containsExactly(Phase.CANCEL);
	}

	@Test
	void databaseDownAtTheStartFailsTheCallWithoutRunningTheMethod() {
		this.database.down(true);
		AtomicReference<Boolean> ran = new AtomicReference<>(false);
		assertThatExceptionOfType(TccException.class)
			.isThrownBy(() -> this.coordinator.execute("t", Duration.ofSeconds(10), () -> ran.getAndSet(true)))
			.withMessageContaining("Could not begin");
		assertThat(ran.get()).isFalse();
	}

	@Test
	void claimedTransactionIsLeftToItsOwnerUntilTheLeaseRunsOut() {
		Instant now = this.clock.instant();
		store().insertTransaction("claimed-1", "t", now, now.plusSeconds(60), "dead-instance");
		store().insertBranch("claimed-1", "1", "local", "reserve", now);
		assertThat(store().decide("claimed-1", TransactionState.CONFIRMING, now, "dead-instance", now.plus(LEASE)))
			.isTrue();
		assertThat(this.coordinator.recover()).isZero();
		this.clock.advance(LEASE.plusMillis(1));
		assertThat(this.coordinator.recover()).isEqualTo(1);
		assertThat(state("claimed-1")).isEqualTo(TransactionState.CONFIRMED);
	}

	@Test
	void slowPhaseTwoKeepsItsClaim() throws Throwable {
		TccCoordinator other = newCoordinator(pool(), "instance-b", this.participant);
		List<Integer> takenOver = new java.util.concurrent.CopyOnWriteArrayList<>();
		// Each delivery takes two thirds of the lease; the other instance looks in after each one.
		this.participant.afterSuccess(() -> {
			this.clock.advance(LEASE.multipliedBy(2).dividedBy(3));
			takenOver.add(other.recover());
		});
		String xid = run(3, null);
		assertThat(takenOver).containsExactly(0, 0, 0);
		assertThat(this.participant.calls()).hasSize(3);
		assertThat(state(xid)).isEqualTo(TransactionState.CONFIRMED);
	}

	@Test
	void twoCoordinatorsDriveEachTransactionExactlyOnce() throws Throwable {
		int transactions = 40;
		this.participant.failFirstOfEachBranch(1);
		for (int i = 0; i < transactions; i++) {
			run(2, null);
		}
		TccCoordinator other = newCoordinator(pool(), "instance-b", this.participant);
		this.clock.advance(Duration.ofSeconds(2));
		for (int round = 0; round < 5; round++) {
			CompletableFuture<Integer> a = CompletableFuture.supplyAsync(this.coordinator::recover);
			CompletableFuture<Integer> b = CompletableFuture.supplyAsync(other::recover);
			a.join();
			b.join();
		}
		assertThat(store().list(EnumSet.noneOf(TransactionState.class), null, 1000))
			.extracting(TransactionRecord::state)
			.hasSize(transactions)
			.containsOnly(TransactionState.CONFIRMED);
		Map<String, Long> deliveries = this.participant.calls()
			.stream()
			.collect(Collectors.groupingBy((call) -> call.xid() + "/" + call.branchId(), Collectors.counting()));
		assertThat(deliveries).hasSize(transactions * 2);
		assertThat(deliveries.values()).as("one failed inline delivery and one recovery delivery per branch")
			.containsOnly(2L);
	}

	@Test
	void aBranchThatFailsIsRetriedAloneWhileTheOneThatConfirmedStaysConfirmed() throws Throwable {
		this.participant.failNext(1);
		String xid = run(2, null);
		TransactionDetails afterFirstRound = store().details(xid).orElseThrow();
		assertThat(afterFirstRound.transaction().state()).isEqualTo(TransactionState.CONFIRMING);
		assertThat(afterFirstRound.transaction().owner()).isNull();
		assertThat(afterFirstRound.transaction().finishedAt()).isNull();
		assertThat(afterFirstRound.branches()).extracting(BranchRecord::branchId, BranchRecord::state,
				BranchRecord::attempts)
			.containsExactly(org.assertj.core.groups.Tuple.tuple("1", BranchState.ENLISTED, 1),
					org.assertj.core.groups.Tuple.tuple("2", BranchState.CONFIRMED, 0));
		assertThat(afterFirstRound.branches().get(1).nextAttemptAt()).isNull();
		this.clock.advance(Duration.ofSeconds(1));
		assertThat(this.coordinator.recover()).isEqualTo(1);
		TransactionDetails finished = store().details(xid).orElseThrow();
		assertThat(finished.transaction().state()).isEqualTo(TransactionState.CONFIRMED);
		assertThat(finished.transaction().finishedAt()).isNotNull();
		assertThat(finished.branches()).extracting(BranchRecord::state).containsOnly(BranchState.CONFIRMED);
		assertThat(finished.branches()).extracting(BranchRecord::nextAttemptAt).containsOnlyNulls();
		assertThat(this.participant.calls()).extracting(RecordingParticipant.Call::branchId,
				RecordingParticipant.Call::succeeded)
			.containsExactly(org.assertj.core.groups.Tuple.tuple("1", false),
					org.assertj.core.groups.Tuple.tuple("2", true), org.assertj.core.groups.Tuple.tuple("1", true));
	}

	/**
	 * The branches' completion runs with auto-commit off; when its statements fail (here a lock held elsewhere past
	 * the query timeout), nothing of it may commit, and the connection must go back to the pool committing each
	 * statement again, or the next of distcore's statements on it would wait uncommitted for a commit that never
	 * comes. A pool of one connection hands that same connection out next; the plain single-connection data source
	 * does not reset anything itself.
	 */
	@Test
	void aFailedCompletionCommitsNothingAndLeavesThePooledConnectionAutoCommitting() throws Throwable {
		HikariDataSource one = tables().newPool(1);
		this.pools.add(one);
		HikariDataSource source = tables().newPool(1);
		this.pools.add(source);
		HikariDataSource lockers = tables().newPool(1);
		this.pools.add(lockers);
		SingleConnectionDataSource unpooled = new SingleConnectionDataSource(source.getConnection(), true);
		try {
			for (javax.sql.DataSource dataSource : List.of(one, unpooled)) {
				JdbcTccLogStore store = new JdbcTccLogStore(dataSource, tables().prefix, Duration.ofSeconds(1),
						() -> false);
				String xid = "pollution-" + java.util.UUID.randomUUID();
				Instant now = this.clock.instant();
				store.insertTransaction(xid, "t", now, now.plusSeconds(60), "instance-a");
				assertThat(store.insertBranch(xid, "1", "local", "a", now)).isTrue();
				assertThat(store.decide(xid, TransactionState.CONFIRMING, now, "instance-a", now.plus(LEASE))).isTrue();
				try (java.sql.Connection locker = lockers.getConnection()) {
					lockTransactionRow(locker, xid);
					assertThatExceptionOfType(RuntimeException.class).isThrownBy(() -> store.branchesDone(xid,
							List.of("1"), BranchState.CONFIRMED, TransactionState.CONFIRMED, now));
					locker.rollback();
				}
				assertThat(tables().admin().queryForObject("SELECT state FROM " + tables().prefix
						+ "branch WHERE xid = ?", String.class, xid)).as("rolled back").isEqualTo("ENLISTED");
				String other = "after-" + java.util.UUID.randomUUID();
				store.insertTransaction(other, "t", now, now.plusSeconds(60), "instance-a");
				assertThat(tables().admin().queryForObject("SELECT COUNT(*) FROM " + tables().prefix
						+ "transaction WHERE xid = ?", Integer.class, other)).as("committed on its own").isOne();
				assertThat(new org.springframework.jdbc.core.JdbcTemplate(dataSource)
					.execute((org.springframework.jdbc.core.ConnectionCallback<Boolean>) java.sql.Connection::getAutoCommit))
					.isTrue();
			}
		}
		finally {
			unpooled.destroy();
		}
	}

	/**
	 * What a takeover leaves: two instances complete disjoint branches of one transaction at the same time, each
	 * finishing it in its one local transaction. A third connection holds the transaction row meanwhile, so both
	 * have written their branches before either may finish. On MariaDB's repeatable read the finishing UPDATE reads
	 * the branch rows with shared locks, the other instance's among them. Neither call may fail, and between them
	 * the transaction must end finished with every branch recorded.
	 */
	@Test
	void twoInstancesCompletingDisjointBranchesAtOnceNeitherFailsNorLosesABranch() throws Throwable {
		Instant now = this.clock.instant();
		String xid = "race-" + java.util.UUID.randomUUID();
		store().insertTransaction(xid, "t", now, now.plusSeconds(60), "instance-a");
		for (String branch : List.of("1", "2", "3")) {
			assertThat(store().insertBranch(xid, branch, "local", "a" + branch, now)).isTrue();
		}
		assertThat(store().decide(xid, TransactionState.CONFIRMING, now, "instance-a", now.plus(LEASE))).isTrue();
		JdbcTccLogStore other = new JdbcTccLogStore(pool(), tables().prefix, Duration.ofSeconds(10), () -> false);
		HikariDataSource lockers = tables().newPool(1);
		this.pools.add(lockers);
		CompletableFuture<Boolean> first;
		CompletableFuture<Boolean> second;
		try (java.sql.Connection locker = lockers.getConnection()) {
			lockTransactionRow(locker, xid);
			first = CompletableFuture.supplyAsync(() -> store().branchesDone(xid, List.of("1", "2"),
					BranchState.CONFIRMED, TransactionState.CONFIRMED, now));
			second = CompletableFuture.supplyAsync(() -> other.branchesDone(xid, List.of("3"), BranchState.CONFIRMED,
					TransactionState.CONFIRMED, now));
			Thread.sleep(1_000);
			locker.rollback();
		}
		List<Throwable> failures = new ArrayList<>();
		List<Boolean> finished = new ArrayList<>();
		for (CompletableFuture<Boolean> call : List.of(first, second)) {
			try {
				finished.add(call.get(30, java.util.concurrent.TimeUnit.SECONDS));
			}
			catch (java.util.concurrent.ExecutionException ex) {
				failures.add(ex.getCause());
			}
		}
		assertThat(failures).isEmpty();
		assertThat(store().branches(xid)).extracting(BranchRecord::state).containsOnly(BranchState.CONFIRMED);
		assertThat(finished).containsExactlyInAnyOrder(true, false);
		assertThat(state(xid)).isEqualTo(TransactionState.CONFIRMED);
	}

	/**
	 * The network to the database dies while the completion's local transaction holds its locks (the proxy drops
	 * every byte from then on). The call must fail within the network timeout, leave every row as before, and
	 * neither the session's locks nor the pooled connection may outlive the outage: the same one-connection pool
	 * finishes the transaction once the network is back.
	 */
	/**
	 * Run by the subclasses of databases reached over the network (an embedded one has no network to lose).
	 */
	protected void networkDeathInTheMiddleOfTheCompletionRollsItBackAndTheNextAttemptFinishes() throws Throwable {
		java.util.regex.Matcher address = java.util.regex.Pattern.compile("//([^:/]+):(\\d+)/").matcher(endpoint().url());
		assertThat(address.find()).as("host and port in %s", endpoint().url()).isTrue();
		try (TcpProxy proxy = new TcpProxy(address.group(1), Integer.parseInt(address.group(2)))) {
			io.distcore.test.JdbcEndpoint proxied = new io.distcore.test.JdbcEndpoint(endpoint().name(),
					endpoint().url().replace("//" + address.group(1) + ":" + address.group(2) + "/",
							"//127.0.0.1:" + proxy.port() + "/"),
					endpoint().username(), endpoint().password());
			HikariDataSource one = proxied.dataSource(1);
			// A connection attempt the pool started while the proxy swallowed lasts the driver's connect timeout
			// (10 s on PostgreSQL) even once the proxy forwards again: the next borrow must outwait it.
			one.setConnectionTimeout(30_000);
			this.pools.add(one);
			JdbcTccLogStore store = new JdbcTccLogStore(one, tables().prefix, Duration.ofSeconds(1), () -> false);
			Instant now = this.clock.instant();
			String xid = "network-" + java.util.UUID.randomUUID();
			store().insertTransaction(xid, "t", now, now.plusSeconds(60), "instance-a");
			assertThat(store().insertBranch(xid, "1", "local", "a", now)).isTrue();
			assertThat(store().insertBranch(xid, "2", "local", "b", now)).isTrue();
			assertThat(store().decide(xid, TransactionState.CONFIRMING, now, "instance-a", now.plus(LEASE))).isTrue();
			HikariDataSource lockers = tables().newPool(1);
			this.pools.add(lockers);
			CompletableFuture<Boolean> completion;
			try (java.sql.Connection locker = lockers.getConnection()) {
				// Branch 2 held elsewhere: the completion has written what comes before it and waits there.
				locker.setAutoCommit(false);
				try (java.sql.PreparedStatement lock = locker.prepareStatement("UPDATE " + tables().prefix
						+ "branch SET attempts = attempts WHERE xid = ? AND branch_id = '2'")) {
					lock.setString(1, xid);
					assertThat(lock.executeUpdate()).isOne();
				}
				completion = CompletableFuture.supplyAsync(() -> store.branchesDone(xid, List.of("1", "2"),
						BranchState.CONFIRMED, TransactionState.CONFIRMED, now));
				Thread.sleep(300);
				proxy.swallow();
				Thread.sleep(200);
				locker.rollback();
			}
			assertThatExceptionOfType(java.util.concurrent.ExecutionException.class)
				.isThrownBy(() -> completion.get(20, java.util.concurrent.TimeUnit.SECONDS))
				.withCauseInstanceOf(org.springframework.dao.DataAccessException.class);
			proxy.up();
			// The dead session's locks are gone once its connection is: another writer gets the rows at once.
			tables().admin().update("UPDATE " + tables().prefix + "transaction SET attempts = attempts WHERE xid = ?",
					xid);
			assertThat(store().branches(xid)).extracting(BranchRecord::state).containsOnly(BranchState.ENLISTED);
			assertThat(state(xid)).isEqualTo(TransactionState.CONFIRMING);
			assertThat(store.branchesDone(xid, List.of("1", "2"), BranchState.CONFIRMED, TransactionState.CONFIRMED,
					now)).isTrue();
			assertThat(state(xid)).isEqualTo(TransactionState.CONFIRMED);
			assertThat(store().branches(xid)).extracting(BranchRecord::state).containsOnly(BranchState.CONFIRMED);
		}
	}

	/** Holds the transaction row until {@code locker} rolls back, as another writer of it would. */
	private void lockTransactionRow(java.sql.Connection locker, String xid) throws java.sql.SQLException {
		locker.setAutoCommit(false);
		try (java.sql.PreparedStatement lock = locker.prepareStatement("UPDATE " + tables().prefix
				+ "transaction SET attempts = attempts WHERE xid = ?")) {
			lock.setString(1, xid);
			assertThat(lock.executeUpdate()).isOne();
		}
	}

	@Test
	void unknownTransportIsRetriedLikeAFailure() {
		Instant now = this.clock.instant();
		store().insertTransaction("x-1", "t", now, now.plusSeconds(60), "dead-instance");
		store().insertBranch("x-1", "1", "carrier-pigeon", "coop", now);
		store().decide("x-1", TransactionState.CONFIRMING, now, "dead-instance", now);
		this.clock.advance(Duration.ofMillis(1));
		assertThat(this.coordinator.recover()).isEqualTo(1);
		assertThat(store().branches("x-1").get(0).lastError()).contains("no BranchTransport of kind 'carrier-pigeon'");
		assertThat(state("x-1")).isEqualTo(TransactionState.CONFIRMING);
	}

	@Test
	void retentionDeletesOldFinishedTransactionsInBatchesAndKeepsTheRest() throws Throwable {
		List<String> old = new ArrayList<>();
		for (int i = 0; i < 7; i++) {
			old.add(run(1, null));
		}
		this.participant.failAlways(true);
		String unfinished = run(1, null);
		this.participant.failAlways(false);
		this.clock.advance(Duration.ofDays(2));
		String recent = run(1, null);
		assertThat(this.coordinator.deleteFinished(Duration.ofDays(1), 3, 2)).as("two batches of three").isEqualTo(6);
		assertThat(this.coordinator.deleteFinished(Duration.ofDays(1), 3, 2)).isEqualTo(1);
		for (String xid : old) {
			assertThat(store().find(xid)).isEmpty();
			assertThat(store().branches(xid)).isEmpty();
		}
		assertThat(store().find(unfinished)).isPresent();
		assertThat(store().find(recent)).isPresent();
		assertThat(store().branches(recent)).hasSize(1);
	}

	@Test
	void listFiltersByStateAndAge() throws Throwable {
		String first = run(1, null);
		this.clock.advance(Duration.ofMinutes(5));
		String cancelled = null;
		try {
			run(1, new IllegalStateException("no"));
		}
		catch (IllegalStateException ex) {
			cancelled = this.participant.calls().get(1).xid();
		}
		Function<List<TransactionRecord>, List<String>> xids = (rows) -> rows.stream().map(TransactionRecord::xid).toList();
		assertThat(xids.apply(store().list(EnumSet.of(TransactionState.CONFIRMED), null, 10))).containsExactly(first);
		assertThat(xids.apply(store().list(EnumSet.of(TransactionState.CANCELLED), null, 10)))
			.containsExactly(cancelled);
		assertThat(xids.apply(store().list(EnumSet.noneOf(TransactionState.class),
				this.clock.instant().minusSeconds(60), 10))).containsExactly(first);
		assertThat(xids.apply(store().list(EnumSet.noneOf(TransactionState.class), null, 1))).containsExactly(first);
		assertThat(store().details("missing")).isEmpty();
	}

}
