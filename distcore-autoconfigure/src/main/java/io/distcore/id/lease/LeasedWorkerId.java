package io.distcore.id.lease;

import java.time.Duration;
import java.util.OptionalLong;
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
 * <li>Slot {@code s} of the layout's {@code workerCount()} slots is datacenter {@code s >> workerBits}, worker
 * {@code s & maxWorkerId}.</li>
 * <li>{@link #isValid()} is judged in memory with the monotonic clock: it holds until the start of the last
 * successful renewal plus {@code ttl} minus a safety margin of a tenth of the ttl, so it turns false before
 * the store can let another process claim the slot, even when the heartbeat cannot reach the store at all.
 * A renewal that finds the slot gone, or a loss the store reports (ZooKeeper: connection suspended or lost),
 * turns it false at once.</li>
 * <li>A lost lease is only ever taken back on the SAME slot, by the heartbeat, once that slot is free again;
 * the identity of this object never changes, so a generator never mixes two worker ids. While another process
 * holds the slot the lease stays invalid and its generator issues no ids; restart the process to get another
 * slot.</li>
 * <li>{@link #notAfterPreviousHolder()} is the newest timestamp stored for the slot by its earlier holders when it
 * was claimed (or claimed back). The stored value is up to one heartbeat older than a crashed holder's last id;
 * that holder stopped issuing ids before the ttl ran out, so this leaves a whole ttl of clock disagreement
 * between hosts before an id could repeat.</li>
 * </ul>
 */
public final class LeasedWorkerId implements WorkerIdLease, AutoCloseable {

	private static final Log logger = LogFactory.getLog(LeasedWorkerId.class);

	private final WorkerIdStore store;

	private final String owner;

	private final int slot;

	private final long datacenterId;

	private final long workerId;

	private final Duration ttl;

	private final long validityNanos;

	private final ScheduledThreadPoolExecutor heartbeat;

	private final AtomicLong lastTimestamp = new AtomicLong();

	private final Object stateMonitor = new Object();

	private volatile long previousHolder;

	private volatile boolean held;

	private volatile long validUntilNanos;

	/** Bumped by every loss, so that a renewal in flight when the loss happened cannot revive the lease. */
	private long lossCount;

	private boolean failing;

	private volatile boolean closed;

	private LeasedWorkerId(WorkerIdStore store, String owner, SnowflakeLayout layout, WorkerIdStore.Claim claim,
			long claimStartNanos, Duration ttl, Duration heartbeat) {
		this.store = store;
		this.owner = owner;
		this.slot = claim.slot();
		this.datacenterId = claim.slot() >> layout.workerBits();
		this.workerId = claim.slot() & layout.maxWorkerId();
		this.ttl = ttl;
		this.validityNanos = ttl.toNanos() - ttl.toNanos() / 10;
		this.previousHolder = claim.previousTimestamp();
		this.held = true;
		this.validUntilNanos = claimStartNanos + this.validityNanos;
		this.heartbeat = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = new Thread(task, "distcore-worker-id-" + claim.slot());
			thread.setDaemon(true);
			return thread;
		});
		this.heartbeat.setRemoveOnCancelPolicy(true);
	}

	/**
	 * Claims a free worker id and starts the heartbeat that keeps it.
	 * @param store where to lease; owned by the lease from now on and closed with it
	 * @param owner unique identity of this process
	 * @param layout the generator's layout: slots are {@code 0 .. workerCount()-1}
	 * @param ttl how long the id stays reserved without a heartbeat
	 * @param heartbeat renewal interval, positive and at most a third of {@code ttl}
	 * @return the lease, valid
	 * @throws WorkerIdLeaseException if the store cannot be reached or every id is held
	 */
	public static LeasedWorkerId lease(WorkerIdStore store, String owner, SnowflakeLayout layout, Duration ttl,
			Duration heartbeat) {
		Assert.notNull(store, "Store must not be null");
		Assert.hasText(owner, "Owner must not be empty");
		Assert.notNull(layout, "Layout must not be null");
		Assert.isTrue(layout.workerCount() <= Integer.MAX_VALUE, "Layout has too many workers to lease: " + layout);
		Assert.isTrue(ttl != null && ttl.toMillis() > 0, () -> "Ttl must be positive, was " + ttl);
		Assert.isTrue(heartbeat != null && heartbeat.toMillis() > 0 && heartbeat.multipliedBy(3).compareTo(ttl) <= 0,
				() -> "Heartbeat must be positive and at most a third of the ttl (" + ttl + "), was " + heartbeat);
		long start = System.nanoTime();
		WorkerIdStore.Claim claim = store.claim(owner, (int) layout.workerCount(), ttl)
			.orElseThrow(() -> new WorkerIdLeaseException("All " + layout.workerCount() + " worker ids in "
					+ store.name() + " are leased by live processes"));
		LeasedWorkerId lease = new LeasedWorkerId(store, owner, layout, claim, start, ttl, heartbeat);
		store.onLoss(lease::lost);
		if (!lease.isValid()) {
			// The claim took longer than the validity (a cold connection, a first claim that creates the slots):
			// one renewal right away measures from now instead.
			lease.beat();
		}
		long interval = heartbeat.toMillis();
		lease.heartbeat.scheduleWithFixedDelay(lease::beat, interval, interval, TimeUnit.MILLISECONDS);
		return lease;
	}

	@Override
	public long datacenterId() {
		return this.datacenterId;
	}

	@Override
	public long workerId() {
		return this.workerId;
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
	 * Refused once {@link #close()} began: the timestamp close() hands on to the next holder must cover every
	 * id issued under this slot.
	 */
	@Override
	public boolean recordTimestamp(long epochMillis) {
		synchronized (this.stateMonitor) {
			if (this.closed) {
				return false;
			}
			this.lastTimestamp.accumulateAndGet(epochMillis, Math::max);
			return true;
		}
	}

	/**
	 * The slot this lease holds in its store: {@code datacenterId << workerBits | workerId}.
	 * @return the slot
	 */
	public int slot() {
		return this.slot;
	}

	/**
	 * Name of the store the id is leased from.
	 * @return the backend name, such as {@code redis}
	 */
	public String backend() {
		return this.store.name();
	}

	/**
	 * Stops the heartbeat, stores the last timestamp and frees the slot; the lease is invalid afterwards. A
	 * store that cannot be reached is logged, and the slot expires after the ttl instead. A second call does
	 * nothing.
	 */
	@Override
	public void close() {
		synchronized (this.stateMonitor) {
			if (this.closed) {
				return;
			}
			this.closed = true;
			this.held = false;
		}
		this.heartbeat.shutdownNow();
		try {
			this.heartbeat.awaitTermination(this.ttl.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		try {
			this.store.release(this.slot, this.owner, this.lastTimestamp.get());
		}
		catch (RuntimeException ex) {
			logger.warn("Could not release worker id " + this + "; it expires after " + this.ttl + ": " + ex.getMessage());
		}
		finally {
			this.store.close();
		}
	}

	private void beat() {
		if (this.closed) {
			return;
		}
		try {
			long start = System.nanoTime();
			long losses = lossCount();
			if (this.store.renew(this.slot, this.owner, this.lastTimestamp.get(), this.ttl)) {
				extend(start, losses);
				return;
			}
			if (this.held) {
				logger.warn("Worker id " + this + " was lost: the heartbeat found it expired or held by another "
						+ "process; no ids until it is free again");
			}
			lost();
			start = System.nanoTime();
			losses = lossCount();
			OptionalLong previous = this.store.claim(this.slot, this.owner, this.ttl);
			if (previous.isPresent()) {
				this.previousHolder = Math.max(this.previousHolder, previous.getAsLong());
				extend(start, losses);
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

	private void extend(long renewalStartNanos, long lossesBefore) {
		synchronized (this.stateMonitor) {
			if (this.closed || this.lossCount != lossesBefore) {
				return;
			}
			if (this.failing) {
				this.failing = false;
				logger.info("Heartbeat of worker id " + this + " recovered");
			}
			this.validUntilNanos = renewalStartNanos + this.validityNanos;
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
		return "datacenter " + this.datacenterId + " worker " + this.workerId + " (slot " + this.slot + " in "
				+ this.store.name() + ", owner " + this.owner + ")";
	}

}
