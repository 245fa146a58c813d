package io.distcore.tcc.coordinator;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

import io.distcore.tcc.BranchTransport;
import io.distcore.tcc.Phase;
import io.distcore.tcc.TccBinding;
import io.distcore.tcc.TccException;
import io.distcore.tcc.TccListener;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.util.Assert;

/**
 * The embedded coordinator: begins global transactions, writes their decision, drives phase two through the
 * {@link BranchTransport}s and recovers what did not finish. Every state change goes through the
 * {@link JdbcTccLogStore} first, so a process that dies at any point leaves a log another instance (or this one,
 * restarted) finishes.
 * <p>
 * One instance works on a transaction at a time: the initiator holds the claim from the start until phase two
 * ended or failed, recovery takes a claim by compare-and-set before it works on a transaction, and a claim of a
 * dead instance runs out after the claim lease. Phase-two failures never change the outcome: they are retried
 * with back-off until {@code maxRetryTime} after the decision, then the transaction is marked
 * {@link TransactionState#CONFIRM_FAILED} / {@link TransactionState#CANCEL_FAILED} for a person.
 */
public final class TccCoordinator {

	private static final Log logger = LogFactory.getLog(TccCoordinator.class);

	/** Rounds of phase two in one run when branches were enlisted while it ran (a late enlist on another thread). */
	private static final int MAX_ROUNDS = 3;

	private final JdbcTccLogStore store;

	private final Supplier<? extends Iterable<BranchTransport>> transports;

	private final Clock clock;

	private final String owner;

	private final Settings settings;

	private final List<TccListener> listeners;

	/** Transactions this instance works on right now: recovery here leaves them alone. */
	private final Set<String> inFlight = ConcurrentHashMap.newKeySet();

	/**
	 * @param store the log
	 * @param transports the transports, looked up at each phase two
	 * @param clock the one clock of every timestamp in the log
	 * @param owner this instance's id in claims
	 * @param settings timings
	 */
	public TccCoordinator(JdbcTccLogStore store, Supplier<? extends Iterable<BranchTransport>> transports, Clock clock,
			String owner, Settings settings) {
		this(store, transports, clock, owner, settings, List.of());
	}

	/**
	 * @param store the log
	 * @param transports the transports, looked up at each phase two
	 * @param clock the one clock of every timestamp in the log
	 * @param owner this instance's id in claims
	 * @param settings timings
	 * @param listeners told of outcomes, retries and recovery runs
	 */
	public TccCoordinator(JdbcTccLogStore store, Supplier<? extends Iterable<BranchTransport>> transports, Clock clock,
			String owner, Settings settings, List<TccListener> listeners) {
		Assert.notNull(listeners, "listeners must not be null");
		Assert.notNull(store, "store must not be null");
		Assert.notNull(transports, "transports must not be null");
		Assert.notNull(clock, "clock must not be null");
		Assert.hasText(owner, "owner must not be empty");
		Assert.notNull(settings, "settings must not be null");
		this.store = store;
		this.transports = transports;
		this.clock = clock;
		this.owner = owner;
		this.settings = settings;
		this.listeners = List.copyOf(listeners);
	}

	/**
	 * The log, also for reading (endpoints).
	 * @return the store
	 */
	public JdbcTccLogStore store() {
		return this.store;
	}

	/**
	 * Runs {@code body} as a global transaction, or as part of the one already bound on the thread. Returns what
	 * the body returned or throws what it threw, whatever happens in phase two.
	 * @param name transaction name
	 * @param timeout how long the try may take before recovery cancels it
	 * @param body the initiating method
	 * @return the body's result
	 * @throws Throwable the body's exception, or a {@link TccException} when the transaction could not begin or
	 * its decision could not be written (then recovery cancels it after its timeout)
	 */
	public Object execute(String name, Duration timeout, Body body) throws Throwable {
		if (TccBinding.currentTransaction() != null) {
			return body.run();
		}
		TccBinding.InboundBranch inbound = TccBinding.currentInbound();
		if (inbound != null) {
			throw new TccException("Cannot open global transaction '" + name + "' inside branch " + inbound.branchId()
					+ " of transaction " + inbound.xid() + ": distcore's TCC transactions have one level");
		}
		String xid = UUID.randomUUID().toString();
		Instant now = this.clock.instant();
		try {
			this.store.insertTransaction(xid, name, now, now.plus(timeout), this.owner);
		}
		catch (RuntimeException ex) {
			throw new TccException("Could not begin global transaction '" + name + "': the coordinator's log "
					+ this.store + " could not be written", ex);
		}
		this.inFlight.add(xid);
		try {
			Active transaction = new Active(xid);
			Object result = null;
			Throwable failure = null;
			try (TccBinding.Scope scope = TccBinding.bind(transaction)) {
				result = body.run();
			}
			catch (Throwable ex) {
				failure = ex;
			}
			finally {
				transaction.endTry();
			}
			TransactionState decision = (failure == null) ? TransactionState.CONFIRMING : TransactionState.CANCELLING;
			boolean decided;
			Instant decidedAt = this.clock.instant();
			try {
				decided = this.store.decide(xid, decision, decidedAt, this.owner,
						decidedAt.plus(this.settings.claimLease()));
			}
			catch (RuntimeException ex) {
				TccException undecided = new TccException("The decision " + decision + " of global transaction " + xid
						+ " could not be written (or its answer was lost): the outcome is not known here; recovery "
						+ "finishes it, and cancels it after its timeout if the decision was not written", ex);
				if (failure != null) {
					undecided.addSuppressed(failure);
				}
				throw undecided;
			}
			if (!decided) {
				if (failure != null) {
					throw failure;
				}
				throw new TccException("Global transaction " + xid + " ('" + name + "') ran longer than its timeout "
						+ timeout + " and was cancelled");
			}
			// What the log now holds is known here: phase two starts without reading it back.
			TransactionRecord decidedRecord = new TransactionRecord(xid, name, decision, now, now.plus(timeout),
					decidedAt, null, decidedAt, 0, this.owner, decidedAt.plus(this.settings.claimLease()), null);
			drive(xid, new Known(decidedRecord, transaction.enlisted()));
			if (failure != null) {
				throw failure;
			}
			return result;
		}
		finally {
			this.inFlight.remove(xid);
		}
	}

	/**
	 * One recovery run: cancels transactions still trying past their timeout and drives due phase twos, each after
	 * claiming it; at most {@code batchSize} of each.
	 * @return how many transactions this run worked on
	 */
	public int recover() {
		Instant now = this.clock.instant();
		List<TransactionRecord> due = this.store.findDue(now, this.owner, this.settings.batchSize());
		int worked = 0;
		for (TransactionRecord transaction : due) {
			String xid = transaction.xid();
			// A try past its timeout is cancelled even while this instance still runs its method: the method's
			// decision then finds the transaction no longer trying and leaves phase two to this run.
			boolean added = this.inFlight.add(xid);
			if (!added && transaction.state() != TransactionState.TRYING) {
				continue;
			}
			try {
				Instant at = this.clock.instant();
				Instant claimUntil = at.plus(this.settings.claimLease());
				boolean claimed = (transaction.state() == TransactionState.TRYING)
						? this.store.cancelTimedOut(xid, at, this.owner, claimUntil)
						: this.store.claim(xid, at, this.owner, claimUntil);
				if (claimed) {
					worked++;
					drive(xid, null);
				}
			}
			catch (RuntimeException ex) {
				logger.warn("Recovery of global transaction " + xid + " failed; it is tried again at the next run", ex);
			}
			finally {
				if (added) {
					this.inFlight.remove(xid);
				}
			}
		}
		int count = worked;
		tell((listener) -> listener.recoveryRan(count));
		return worked;
	}

	/**
	 * Deletes finished transactions older than the retention, in batches.
	 * @param retention how long finished transactions are kept
	 * @param batchSize transactions deleted per statement
	 * @param maxBatches most batches in this call, so one call never runs long
	 * @return how many transactions were deleted
	 */
	public int deleteFinished(Duration retention, int batchSize, int maxBatches) {
		Instant before = this.clock.instant().minus(retention);
		int deleted = 0;
		for (int i = 0; i < maxBatches; i++) {
			int batch = this.store.deleteFinished(before, batchSize);
			deleted += batch;
			if (batch < batchSize) {
				break;
			}
		}
		return deleted;
	}

	/**
	 * Phase two of a claimed, decided transaction. Never throws: what does not finish stays in the log, due for
	 * recovery.
	 */
	private void drive(String xid, Known known) {
		try {
			Known current = known;
			for (int round = 0; round < MAX_ROUNDS; round++) {
				if (driveRound(xid, current)) {
					return;
				}
				current = null;
			}
		}
		catch (RuntimeException ex) {
			// The log itself failed (database down): the row keeps its decision and is due; recovery resumes it.
			logger.warn("Phase two of global transaction " + xid + " stopped: the coordinator's log " + this.store
					+ " failed; recovery resumes it", ex);
		}
	}

	/** One pass over the branches; {@code true} when nothing more is to do in this run. */
	private boolean driveRound(String xid, Known known) {
		TransactionRecord transaction = (known != null) ? known.transaction() : this.store.find(xid).orElse(null);
		if (transaction == null || (transaction.state() != TransactionState.CONFIRMING
				&& transaction.state() != TransactionState.CANCELLING)) {
			return true;
		}
		boolean confirm = transaction.state() == TransactionState.CONFIRMING;
		Phase phase = confirm ? Phase.CONFIRM : Phase.CANCEL;
		Map<String, BranchTransport> byKind = transportsByKind();
		Instant now = this.clock.instant();
		Instant claimedAt = now;
		Instant nextAttempt = null;
		String lastError = null;
		BranchState doneState = confirm ? BranchState.CONFIRMED : BranchState.CANCELLED;
		List<String> done = new ArrayList<>();
		for (BranchRecord branch : (known != null) ? known.branches() : this.store.branches(xid)) {
			if (branch.state() != BranchState.ENLISTED) {
				continue;
			}
			if (branch.nextAttemptAt() != null && branch.nextAttemptAt().isAfter(now)) {
				nextAttempt = earlier(nextAttempt, branch.nextAttemptAt());
				continue;
			}
			Instant before = this.clock.instant();
			if (Duration.between(claimedAt, before).compareTo(this.settings.claimLease().dividedBy(2)) > 0) {
				// Slow participants: keep the claim, or stop if another instance took it over meanwhile.
				if (!this.store.renewClaim(xid, this.owner, before.plus(this.settings.claimLease()))) {
					this.store.branchesDone(xid, done, doneState, null, before);
					logger.warn("Lost the claim of global transaction " + xid + " during phase two; another "
							+ "instance finishes it");
					return true;
				}
				claimedAt = before;
			}
			String error = deliver(byKind, branch, phase);
			if (error == null) {
				done.add(branch.branchId());
			}
			else {
				int attempts = branch.attempts() + 1;
				Instant retryAt = this.clock.instant().plus(this.settings.backoff().delay(attempts));
				this.store.branchFailed(xid, branch.branchId(), attempts, error, retryAt);
				nextAttempt = earlier(nextAttempt, retryAt);
				lastError = "branch " + branch.branchId() + ": " + error;
			}
		}
		if (nextAttempt == null) {
			// False when a branch was enlisted meanwhile: another round delivers it.
			Instant end = this.clock.instant();
			boolean finished = this.store.branchesDone(xid, done, doneState,
					confirm ? TransactionState.CONFIRMED : TransactionState.CANCELLED, end);
			if (finished) {
				finished(transaction, confirm ? TccListener.Outcome.CONFIRMED : TccListener.Outcome.CANCELLED, end);
			}
			return finished;
		}
		this.store.branchesDone(xid, done, doneState, null, this.clock.instant());
		Instant at = this.clock.instant();
		Instant decidedAt = (transaction.decidedAt() != null) ? transaction.decidedAt() : transaction.createdAt();
		if (!at.isBefore(decidedAt.plus(this.settings.maxRetryTime()))) {
			TransactionState failed = confirm ? TransactionState.CONFIRM_FAILED : TransactionState.CANCEL_FAILED;
			this.store.giveUp(xid, failed, lastError, at);
			finished(transaction, confirm ? TccListener.Outcome.CONFIRM_FAILED : TccListener.Outcome.CANCEL_FAILED, at);
			logger.error("Global transaction " + xid + " ('" + transaction.name() + "') is " + failed + " after "
					+ this.settings.maxRetryTime() + " of retries and needs a person; last error: " + lastError);
		}
		else {
			this.store.postpone(xid, this.owner, lastError, nextAttempt);
			if (lastError != null) {
				logger.warn("Phase two of global transaction " + xid + " is retried at " + nextAttempt + ": "
						+ lastError);
				tell((listener) -> listener.phaseTwoRetried(transaction.name()));
			}
		}
		return true;
	}

	private String deliver(Map<String, BranchTransport> byKind, BranchRecord branch, Phase phase) {
		BranchTransport transport = byKind.get(branch.transport());
		if (transport == null) {
			return "no BranchTransport of kind '" + branch.transport() + "' in this application (known: "
					+ byKind.keySet() + ")";
		}
		try {
			transport.deliver(branch.xid(), branch.branchId(), branch.address(), phase);
			return null;
		}
		catch (Exception ex) {
			String message = ex.getMessage();
			return (message != null && !message.isBlank()) ? message : ex.getClass().getName();
		}
	}

	private Map<String, BranchTransport> transportsByKind() {
		Map<String, BranchTransport> byKind = new java.util.LinkedHashMap<>();
		for (BranchTransport transport : this.transports.get()) {
			byKind.putIfAbsent(transport.kind(), transport);
		}
		return byKind;
	}

	private void finished(TransactionRecord transaction, TccListener.Outcome outcome, Instant end) {
		Duration duration = Duration.between(transaction.createdAt(), end);
		tell((listener) -> listener.finished(transaction.name(), outcome, duration));
	}

	/** A listener's failure is its own: the transaction goes on as if it had not been told. */
	private void tell(java.util.function.Consumer<TccListener> event) {
		for (TccListener listener : this.listeners) {
			try {
				event.accept(listener);
			}
			catch (RuntimeException ex) {
				logger.warn("TccListener " + listener + " failed; the transaction is not affected", ex);
			}
		}
	}

	private static Instant earlier(Instant current, Instant candidate) {
		return (current == null || candidate.isBefore(current)) ? candidate : current;
	}

	/** The log's rows as the initiator knows them right after its decision. */
	private record Known(TransactionRecord transaction, List<BranchRecord> branches) {
	}

	/**
	 * The initiating method, as the coordinator runs it.
	 */
	@FunctionalInterface
	public interface Body {

		/**
		 * Runs the method.
		 * @return its result
		 * @throws Throwable its exception
		 */
		Object run() throws Throwable;

	}

	/**
	 * Timings of the coordinator.
	 *
	 * @param claimLease how long a claim lasts
	 * @param maxRetryTime how long phase two is retried after the decision
	 * @param backoff waits between attempts
	 * @param batchSize transactions one recovery run works on at most
	 */
	public record Settings(Duration claimLease, Duration maxRetryTime, RetryBackoff backoff, int batchSize) {

		public Settings {
			Assert.isTrue(claimLease != null && claimLease.toMillis() > 0, "claimLease must be positive");
			Assert.isTrue(maxRetryTime != null && !maxRetryTime.isNegative(), "maxRetryTime must not be negative");
			Assert.notNull(backoff, "backoff must not be null");
			Assert.isTrue(batchSize >= 1, "batchSize must be at least 1");
		}

	}

	/** The transaction bound while the initiating method runs. */
	private final class Active implements TccBinding.ActiveTransaction {

		private final String xid;

		private final AtomicInteger branches = new AtomicInteger();

		private final List<BranchRecord> enlisted = new java.util.concurrent.CopyOnWriteArrayList<>();

		/** Enlists share it; the end of the try takes it alone, so no enlist is half done when the decision is made. */
		private final ReadWriteLock lock = new ReentrantReadWriteLock();

		private boolean trying = true;

		Active(String xid) {
			this.xid = xid;
		}

		@Override
		public String xid() {
			return this.xid;
		}

		@Override
		public String enlist(String transport, String address) {
			Assert.isTrue(transport != null && !transport.isEmpty()
					&& transport.length() <= JdbcTccLogStore.MAX_TRANSPORT_LENGTH,
					() -> "transport must have 1 to " + JdbcTccLogStore.MAX_TRANSPORT_LENGTH + " characters");
			Assert.isTrue(address != null && !address.isEmpty()
					&& address.length() <= JdbcTccLogStore.MAX_ADDRESS_LENGTH,
					() -> "address must have 1 to " + JdbcTccLogStore.MAX_ADDRESS_LENGTH + " characters");
			this.lock.readLock().lock();
			try {
				if (!this.trying) {
					throw new TccException("Global transaction " + this.xid
							+ " is no longer in its try phase: its method already returned; branch " + address
							+ " is not enlisted");
				}
				String branchId = Integer.toString(this.branches.incrementAndGet());
				boolean recorded;
				Instant now = TccCoordinator.this.clock.instant();
				try {
					recorded = TccCoordinator.this.store.insertBranch(this.xid, branchId, transport, address, now);
				}
				catch (RuntimeException ex) {
					throw new TccException("Could not record branch " + address + " of global transaction " + this.xid
							+ " in the coordinator's log; its try must not be sent", ex);
				}
				if (!recorded) {
					throw new TccException("Global transaction " + this.xid
							+ " is no longer in its try phase (it timed out and was cancelled); branch " + address
							+ " is not enlisted");
				}
				this.enlisted.add(new BranchRecord(this.xid, branchId, transport, address, BranchState.ENLISTED, 0, null,
						null, now));
				return branchId;
			}
			finally {
				this.lock.readLock().unlock();
			}
		}

		/** Every branch enlisted, in the order of their ids; complete once the try ended. */
		List<BranchRecord> enlisted() {
			List<BranchRecord> sorted = new java.util.ArrayList<>(this.enlisted);
			sorted.sort(java.util.Comparator.comparingInt((BranchRecord branch) -> Integer.parseInt(branch.branchId())));
			return sorted;
		}

		void endTry() {
			this.lock.writeLock().lock();
			try {
				this.trying = false;
			}
			finally {
				this.lock.writeLock().unlock();
			}
		}

		@Override
		public String toString() {
			return "global transaction " + this.xid;
		}

	}

}
