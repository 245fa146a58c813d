package io.distcore.id.lease;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.distcore.id.snowflake.SnowflakeLayout;
import io.distcore.id.snowflake.WorkerIdLease;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.util.Assert;

/**
 * A worker identity leased from a {@link WorkerIdStore} and kept by a heartbeat: a daemon thread renews the lease
 * every {@code heartbeat} and stores the newest timestamp {@link #recordTimestamp recorded} by the generator;
 * {@link #close()} stores it once more and frees the slot for the next process.
 * <p>
 * Guarantees:
 * <ul>
 * <li>{@link #lease} claims a slot at once; {@link #lazy} claims none, starts no thread and touches no store
 * until {@link #acquire()} (the generator's first id). A claim that fails leaves the lease unclaimed and
 * {@link WorkerIdLeaseException} goes to the caller; the next {@code acquire()} tries again.</li>
 * <li>Slot {@code s} of the layout's {@code workerCount()} slots is datacenter {@code s >> workerBits}, worker
 * {@code s & maxWorkerId}.</li>
 * <li>{@link #isValid()} is judged in memory with the monotonic clock: it holds until the start of the last
 * successful claim or renewal plus the store's {@link WorkerIdStore#guaranteedHold guaranteed hold} (the ttl,
 * or for ZooKeeper the negotiated session timeout if shorter) minus a safety margin of a tenth of it. The start
 * of a call that succeeded is no later than the backend's last contact with this process, so validity ends
 * before the backend can let another process claim the slot, even when the heartbeat cannot reach the store
 * at all or the process was paused. A renewal that finds the slot gone, or a loss the store reports
 * (ZooKeeper: connection suspended or lost), turns it false at once. A store that holds slots for less than
 * three heartbeats is refused at the claim: the lease could not be kept.</li>
 * <li>{@link #recordTimestamp} refuses once the lease is invalid or closed, so no id is issued on a timestamp
 * that might not be handed on to the next holder.</li>
 * <li>A lost lease is only ever taken back on the SAME slot, by the heartbeat, once that slot is free again;
 * the identity of this object never changes once claimed, so a generator never mixes two worker ids. While
 * another process holds the slot the lease stays invalid and its generator issues no ids; restart the process
 * to get another slot.</li>
 * <li>{@link #notAfterPreviousHolder()} is the newest timestamp stored for the slot by its earlier holders when it
 * was claimed, and raised when it is claimed back before the lease turns valid again, so that a generator that
 * asks {@link #isValid()} first and this bound second sees the ids of the holder in between. The stored value is
 * up to one heartbeat older than a crashed holder's last id; that holder stopped issuing ids a tenth of its hold
 * before the store let the slot go, so this leaves that much clock disagreement between hosts before an id could
 * repeat.</li>
 * </ul>
 */
public final class LeasedWorkerId implements WorkerIdLease, AutoCloseable {

	private static final Log logger = LogFactory.getLog(LeasedWorkerId.class);

	private final WorkerIdStore store;

	private final String owner;

	private final SnowflakeLayout layout;

	private final Duration ttl;

	private final Duration heartbeatInterval;

	private final ScheduledThreadPoolExecutor heartbeat;

	private final AtomicLong lastTimestamp = new AtomicLong();

	/** Guards the claim in flight, the last failure and the start of close(); held for no I/O. */
	private final Object claimMonitor = new Object();

	/** The first claim while it runs: every caller that arrives meanwhile waits for its outcome. */
	private CompletableFuture<Void> claimInFlight;

	/** The last claim that failed, so that calls of the back-off that follows fail with its cause at once. */
	private ClaimFailure lastFailure;

	private final Object stateMonitor = new Object();

	/** Null until the first claim; never changes afterwards. */
	private volatile Identity identity;

	private volatile long previousHolder;

	private volatile boolean held;

	private volatile long validUntilNanos;

	private volatile long validityNanos;

	/** Bumped by every loss, so that a renewal in flight when the loss happened cannot revive the lease. */
	private long lossCount;

	private boolean failing;

	private volatile boolean closed;

	private LeasedWorkerId(WorkerIdStore store, String owner, SnowflakeLayout layout, Duration ttl,
			Duration heartbeat) {
		this.store = store;
		this.owner = owner;
		this.layout = layout;
		this.ttl = ttl;
		this.heartbeatInterval = heartbeat;
		this.heartbeat = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = new Thread(task, "distcore-worker-id-" + this.identity.slot());
			thread.setDaemon(true);
			return thread;
		});
		this.heartbeat.setRemoveOnCancelPolicy(true);
	}

	/**
	 * Claims a free worker id and starts the heartbeat that keeps it.
	 * @param store where to lease; owned by the lease from now on and closed with it (also when this fails)
	 * @param owner unique identity of this process
	 * @param layout the generator's layout: slots are {@code 0 .. workerCount()-1}
	 * @param ttl how long the id stays reserved without a heartbeat
	 * @param heartbeat renewal interval, positive and at most a third of {@code ttl}
	 * @return the lease, valid
	 * @throws WorkerIdLeaseException if the store cannot be reached, every id is held, or the store holds a slot
	 * for less than three heartbeats
	 */
	public static LeasedWorkerId lease(WorkerIdStore store, String owner, SnowflakeLayout layout, Duration ttl,
			Duration heartbeat) {
		LeasedWorkerId lease = lazy(store, owner, layout, ttl, heartbeat);
		try {
			lease.acquire();
		}
		catch (RuntimeException ex) {
			lease.close();
			throw ex;
		}
		return lease;
	}

	/**
	 * A lease that claims its worker id on the first {@link #acquire()}, so that an application that never asks
	 * for an id holds no slot, runs no heartbeat and needs no reachable store.
	 * @param store where to lease; owned by the lease from now on and closed with it
	 * @param owner unique identity of this process
	 * @param layout the generator's layout: slots are {@code 0 .. workerCount()-1}
	 * @param ttl how long the id stays reserved without a heartbeat
	 * @param heartbeat renewal interval, positive and at most a third of {@code ttl}
	 * @return the lease, not yet valid
	 */
	public static LeasedWorkerId lazy(WorkerIdStore store, String owner, SnowflakeLayout layout, Duration ttl,
			Duration heartbeat) {
		Assert.notNull(store, "Store must not be null");
		Assert.hasText(owner, "Owner must not be empty");
		Assert.notNull(layout, "Layout must not be null");
		Assert.isTrue(layout.workerCount() <= Integer.MAX_VALUE, "Layout has too many workers to lease: " + layout);
		Assert.isTrue(ttl != null && ttl.toMillis() > 0, () -> "Ttl must be positive, was " + ttl);
		Assert.isTrue(heartbeat != null && heartbeat.toMillis() > 0 && heartbeat.multipliedBy(3).compareTo(ttl) <= 0,
				() -> "Heartbeat must be positive and at most a third of the ttl (" + ttl + "), was " + heartbeat);
		LeasedWorkerId lease = new LeasedWorkerId(store, owner, layout, ttl, heartbeat);
		store.onLoss(lease::lost);
		return lease;
	}

	/**
	 * Claims a free worker id and starts the heartbeat, unless that happened already. One thread claims at a time:
	 * callers that arrive while it does wait for its outcome (at most one claim attempt, the store's timeouts) and
	 * get its failure, instead of each trying in turn. For one heartbeat interval after a claim failed, calls fail
	 * at once with its cause; the first call after that tries again.
	 * @throws WorkerIdLeaseException if the store cannot be reached, every id is held, the store holds a slot for
	 * less than three heartbeats, or the lease is closed
	 */
	@Override
	public void acquire() {
		if (this.identity != null) {
			return;
		}
		CompletableFuture<Void> claim;
		boolean own = false;
		synchronized (this.claimMonitor) {
			if (this.identity != null) {
				return;
			}
			if (this.closed) {
				throw new WorkerIdLeaseException("The worker id lease of " + this.owner + " in " + this.store.name()
						+ " is closed");
			}
			ClaimFailure failure = this.lastFailure;
			if (failure != null && System.nanoTime() - failure.retryAtNanos() < 0) {
				throw failure.again();
			}
			claim = this.claimInFlight;
			if (claim == null) {
				claim = new CompletableFuture<>();
				this.claimInFlight = claim;
				own = true;
			}
		}
		if (own) {
			claimAndComplete(claim);
		}
		else {
			awaitClaim(claim);
		}
	}

	/** Whatever the claim throws completes its future, so that no waiter hangs. */
	private void claimAndComplete(CompletableFuture<Void> claim) {
		try {
			claim();
		}
		catch (Throwable ex) {
			synchronized (this.claimMonitor) {
				this.lastFailure = (ex instanceof RuntimeException failure)
						? new ClaimFailure(failure, System.nanoTime() + this.heartbeatInterval.toNanos()) : null;
				this.claimInFlight = null;
			}
			claim.completeExceptionally(ex);
			throw ex;
		}
		synchronized (this.claimMonitor) {
			this.lastFailure = null;
			this.claimInFlight = null;
		}
		claim.complete(null);
	}

	private void awaitClaim(CompletableFuture<Void> claim) {
		try {
			claim.get();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new WorkerIdLeaseException("Interrupted while waiting for the claim of a worker id in "
					+ this.store.name(), ex);
		}
		catch (ExecutionException ex) {
			Throwable cause = ex.getCause();
			throw new WorkerIdLeaseException("No worker id: the claim this call waited for failed: "
					+ cause.getMessage(), cause);
		}
	}

	private void claim() {
		long losses = lossCount();
		long start = System.nanoTime();
		WorkerIdStore.Claim claim = this.store.claim(this.owner, (int) this.layout.workerCount(), this.ttl)
			.orElseThrow(() -> new WorkerIdLeaseException("All " + this.layout.workerCount() + " worker ids in "
					+ this.store.name() + " are leased by live processes: wait one ttl (" + this.ttl + ") for the "
					+ "slots of processes that stopped without releasing to expire, or give the layout more worker "
					+ "ids (distcore.id.snowflake.worker-bits or datacenter-bits, taking bits from timestamp-bits or "
					+ "sequence-bits)"));
		Duration hold = this.store.guaranteedHold(this.ttl);
		if (hold.compareTo(this.heartbeatInterval.multipliedBy(3)) < 0) {
			release(claim.slot());
			throw new WorkerIdLeaseException("The " + this.store.name() + " store keeps a worker id only " + hold
					+ " without a renewal (for ZooKeeper the session timeout the server negotiated), less than three "
					+ "heartbeats of " + this.heartbeatInterval + ", so the lease could not be kept: set "
					+ "distcore.id.snowflake.lease.heartbeat to at most a third of it, or lengthen the hold "
					+ "(distcore.zookeeper.session-timeout, within the server's maxSessionTimeout)");
		}
		this.previousHolder = claim.previousTimestamp();
		extend(start, losses, hold);
		// Published once valid: a caller that finds the identity goes on to issue ids at once.
		this.identity = new Identity(claim.slot(), claim.slot() >> this.layout.workerBits(),
				claim.slot() & this.layout.maxWorkerId());
		if (!isValid()) {
			// The claim took longer than the validity (a cold connection, a first claim that creates the slots):
			// one renewal right away measures from now instead.
			beat();
		}
		long interval = this.heartbeatInterval.toMillis();
		this.heartbeat.scheduleWithFixedDelay(this::beat, interval, interval, TimeUnit.MILLISECONDS);
		logger.info("Worker id leased: " + this + ", slot " + claim.slot() + " of " + this.layout.workerCount()
				+ ", valid " + Duration.ofNanos(this.validityNanos) + " after each renewal (ttl " + this.ttl
				+ ", guaranteed hold " + hold + ", heartbeat " + this.heartbeatInterval + ")");
	}

	@Override
	public long datacenterId() {
		return claimed().datacenterId();
	}

	@Override
	public long workerId() {
		return claimed().workerId();
	}

	@Override
	public boolean isValid() {
		return this.held && System.nanoTime() - this.validUntilNanos < 0;
	}

	@Override
	public long notAfterPreviousHolder() {
		return this.previousHolder;
	}

	/**
	 * Refused once the lease is no longer valid or {@link #close()} began: the timestamp the next holder starts
	 * after must cover every id issued under this slot.
	 */
	@Override
	public boolean recordTimestamp(long epochMillis) {
		synchronized (this.stateMonitor) {
			if (this.closed || !isValid()) {
				return false;
			}
			this.lastTimestamp.accumulateAndGet(epochMillis, Math::max);
			return true;
		}
	}

	/**
	 * The slot this lease holds in its store: {@code datacenterId << workerBits | workerId}.
	 * @return the slot
	 * @throws IllegalStateException before the first claim
	 */
	public int slot() {
		return claimed().slot();
	}

	/**
	 * Whether a slot was claimed, without claiming one: {@link #datacenterId()}, {@link #workerId()} and
	 * {@link #slot()} answer once it is.
	 * @return {@code true} after the first successful claim
	 */
	public boolean isClaimed() {
		return this.identity != null;
	}

	/**
	 * How long the lease stays valid without another successful renewal, judged in memory.
	 * @return the time left, zero when it is not valid
	 */
	public Duration validFor() {
		long left = this.validUntilNanos - System.nanoTime();
		return (isValid() && left > 0) ? Duration.ofNanos(left) : Duration.ZERO;
	}

	/**
	 * Name of the store the id is leased from.
	 * @return the backend name, such as {@code redis}
	 */
	public String backend() {
		return this.store.name();
	}

	/**
	 * Stops the heartbeat, stores the last timestamp and frees the slot, if one was claimed; the lease is invalid
	 * afterwards. A store that cannot be reached is logged, and the slot expires after the ttl instead. A second
	 * call does nothing; a claim in progress finishes first.
	 */
	@Override
	public void close() {
		CompletableFuture<Void> claim;
		synchronized (this.claimMonitor) {
			synchronized (this.stateMonitor) {
				if (this.closed) {
					return;
				}
				this.closed = true;
				this.held = false;
			}
			claim = this.claimInFlight;
		}
		if (claim != null) {
			// Its slot and heartbeat, if it gets them, are let go of below; its failure is its caller's.
			claim.exceptionally((ex) -> null).join();
		}
		this.heartbeat.shutdownNow();
		try {
			this.heartbeat.awaitTermination(this.ttl.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		try {
			Identity claimed = this.identity;
			if (claimed != null) {
				release(claimed.slot());
			}
		}
		finally {
			this.store.close();
		}
	}

	private void release(int slot) {
		try {
			this.store.release(slot, this.owner, this.lastTimestamp.get());
		}
		catch (RuntimeException ex) {
			logger.warn("Could not release worker id slot " + slot + " in " + this.store.name() + "; it expires after "
					+ this.ttl + ": " + ex.getMessage());
		}
	}

	private Identity claimed() {
		Identity claimed = this.identity;
		if (claimed == null) {
			throw new IllegalStateException("No worker id is leased yet: it is claimed on the first id (" + this + ")");
		}
		return claimed;
	}

	private void beat() {
		if (this.closed) {
			return;
		}
		int slot = this.identity.slot();
		try {
			long start = System.nanoTime();
			long losses = lossCount();
			if (this.store.renew(slot, this.owner, this.lastTimestamp.get(), this.ttl)) {
				extend(start, losses, this.store.guaranteedHold(this.ttl));
				return;
			}
			if (this.held) {
				logger.warn("Worker id " + this + " was lost: the heartbeat found it expired or held by another "
						+ "process; no ids until it is free again");
			}
			lost();
			start = System.nanoTime();
			losses = lossCount();
			OptionalLong previous = this.store.claim(slot, this.owner, this.ttl);
			if (previous.isPresent()) {
				this.previousHolder = Math.max(this.previousHolder, previous.getAsLong());
				extend(start, losses, this.store.guaranteedHold(this.ttl));
				logger.info("Worker id " + this + " is leased again");
			}
		}
		catch (RuntimeException ex) {
			synchronized (this.stateMonitor) {
				if (!this.failing) {
					this.failing = true;
					logger.warn("Heartbeat of worker id " + this + " failed; ids stop "
							+ Duration.ofNanos(this.validityNanos) + " after the last renewal unless it recovers: "
							+ ex.getMessage());
				}
			}
		}
	}

	private long lossCount() {
		synchronized (this.stateMonitor) {
			return this.lossCount;
		}
	}

	/**
	 * Makes the lease valid until a tenth of {@code hold} before the call that started at
	 * {@code renewalStartNanos} could have let the slot go.
	 */
	private void extend(long renewalStartNanos, long lossesBefore, Duration hold) {
		long validity = hold.toNanos() - hold.toNanos() / 10;
		synchronized (this.stateMonitor) {
			if (this.closed || this.lossCount != lossesBefore) {
				return;
			}
			if (this.failing) {
				this.failing = false;
				logger.info("Heartbeat of worker id " + this + " recovered");
			}
			this.validityNanos = validity;
			this.validUntilNanos = renewalStartNanos + validity;
			this.held = true;
		}
	}

	private void lost() {
		synchronized (this.stateMonitor) {
			this.lossCount++;
			this.held = false;
		}
	}

	@Override
	public String toString() {
		Identity claimed = this.identity;
		String where = " in " + this.store.name() + ", owner " + this.owner;
		return (claimed != null)
				? "datacenter " + claimed.datacenterId() + " worker " + claimed.workerId() + " (slot " + claimed.slot()
						+ where + ")"
				: "not leased yet (" + where.substring(1) + ")";
	}

	/** The claimed slot and the ids it stands for. */
	private record Identity(int slot, long datacenterId, long workerId) {
	}

	/** A failed claim and when the next one may start. */
	private record ClaimFailure(RuntimeException cause, long retryAtNanos) {

		WorkerIdLeaseException again() {
			long retryInMillis = Math.max(0, TimeUnit.NANOSECONDS.toMillis(this.retryAtNanos - System.nanoTime()));
			return new WorkerIdLeaseException("No worker id: claiming one just failed, the next attempt starts in "
					+ retryInMillis + " ms: " + this.cause.getMessage(), this.cause);
		}

	}

}
