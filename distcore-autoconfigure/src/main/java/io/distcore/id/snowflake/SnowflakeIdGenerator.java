package io.distcore.id.snowflake;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import io.distcore.id.ClockMovedBackwardsException;
import io.distcore.id.IdGenerationException;
import io.distcore.id.IdGenerator;

/**
 * Snowflake ids: timestamp, datacenter, worker and sequence packed per {@link SnowflakeLayout}. One generator
 * per worker identity; thread-safe.
 * <p>
 * Never a duplicate: a full millisecond waits for the next one; a clock that steps back by at most
 * {@code maxBackward} is waited out, further raises {@link ClockMovedBackwardsException}; a leased identity
 * that is lost stops the generator; and a newly leased identity is not used before the clock is past the last
 * timestamp its previous holder recorded. The lease is asked last, after every wait, right before an id is
 * issued: a lease that ran out while the generator waited for the clock (or while its thread was paused) issues
 * nothing.
 * <p>
 * The identity is {@link WorkerIdLease#acquire() acquired} on the first id, not here, so that a lease taken on
 * first use is only taken by an application that asks for ids; an identity that does not fit the layout fails
 * that first id.
 */
public final class SnowflakeIdGenerator implements IdGenerator {

	/** Leaf's choice: the first sequence of a millisecond in [0, 100), so quiet systems do not issue only even ids. */
	private static final int RANDOM_FIRST_SEQUENCE_BOUND = 100;

	private final SnowflakeLayout layout;

	private final WorkerIdLease lease;

	private final Clock clock;

	private final long maxBackwardMillis;

	private final int firstSequenceBound;

	private final long epochMillis;

	private final long maxSequence;

	private final int timestampShift;

	/** Datacenter and worker bits of every id, or -1 until the identity is acquired. */
	private long identityBits = -1;

	private long lastTimestamp = -1;

	private long sequence;

	/**
	 * Creates a generator.
	 * @param layout bit layout
	 * @param lease worker identity; its ids must fit the layout (checked on the first id, once it is acquired)
	 * @param clock wall clock (a test may move it)
	 * @param maxBackward largest backward clock step that is waited out instead of failing
	 * @param randomFirstSequence whether each millisecond starts at a random sequence below 100
	 */
	public SnowflakeIdGenerator(SnowflakeLayout layout, WorkerIdLease lease, Clock clock, Duration maxBackward,
			boolean randomFirstSequence) {
		if (maxBackward.isNegative()) {
			throw new IllegalArgumentException("Max backward step must not be negative, was " + maxBackward);
		}
		this.layout = layout;
		this.lease = lease;
		this.clock = clock;
		this.maxBackwardMillis = maxBackward.toMillis();
		this.firstSequenceBound = randomFirstSequence
				? (int) Math.min(RANDOM_FIRST_SEQUENCE_BOUND, (layout.maxSequence() + 1) / 2) : 0;
		this.epochMillis = layout.epoch().toEpochMilli();
		this.maxSequence = layout.maxSequence();
		this.timestampShift = layout.timestampShift();
	}

	@Override
	public long nextId(String tag) {
		return nextId();
	}

	@Override
	public synchronized long nextId() {
		long identity = identity();
		long timestamp = currentTimestamp();
		boolean newMillisecond = timestamp != this.lastTimestamp;
		if (!newMillisecond && this.sequence >= this.maxSequence) {
			timestamp = awaitAfter(this.lastTimestamp);
			newMillisecond = true;
		}
		// Recorded before the first id of the millisecond: a release that did not see it must not see the id.
		if (newMillisecond && !this.lease.recordTimestamp(timestamp + this.epochMillis)) {
			throw new IdGenerationException("The worker id lease (" + this.lease + ") refused the timestamp: it was "
					+ "released or is no longer held; no id issued");
		}
		// Asked after every wait: the lease may have run out meanwhile, and its next holder may be issuing ids.
		if (!this.lease.isValid()) {
			throw new IdGenerationException("The worker id lease (" + this.lease + ") is not held: no ids until it is again");
		}
		if (newMillisecond) {
			this.sequence = (this.firstSequenceBound > 0) ? ThreadLocalRandom.current().nextInt(this.firstSequenceBound) : 0;
			this.lastTimestamp = timestamp;
		}
		else {
			this.sequence++;
		}
		return (timestamp << this.timestampShift) | identity | this.sequence;
	}

	@Override
	public synchronized long[] nextIds(String tag, int count) {
		return IdGenerator.super.nextIds(tag, count);
	}

	/**
	 * The layout ids of this generator follow, for {@link SnowflakeLayout#decode(long) decoding}.
	 * @return the layout
	 */
	public SnowflakeLayout layout() {
		return this.layout;
	}

	/**
	 * The worker identity ids are issued under.
	 * @return the lease
	 */
	public WorkerIdLease lease() {
		return this.lease;
	}

	private long identity() {
		if (this.identityBits < 0) {
			this.lease.acquire();
			long datacenterId = this.lease.datacenterId();
			long workerId = this.lease.workerId();
			if (datacenterId < 0 || datacenterId > this.layout.maxDatacenterId()) {
				throw new IdGenerationException("Datacenter id " + datacenterId + " of " + this.lease + " does not fit "
						+ this.layout.datacenterBits() + " bits (0.." + this.layout.maxDatacenterId() + ")");
			}
			if (workerId < 0 || workerId > this.layout.maxWorkerId()) {
				throw new IdGenerationException("Worker id " + workerId + " of " + this.lease + " does not fit "
						+ this.layout.workerBits() + " bits (0.." + this.layout.maxWorkerId() + ")");
			}
			this.identityBits = this.layout.compose(0, datacenterId, workerId, 0);
		}
		return this.identityBits;
	}

	/**
	 * Milliseconds since the layout's epoch: after the previous holder's last timestamp, and not before this
	 * generator's last one (equal continues its sequence).
	 */
	private long currentTimestamp() {
		long now = this.clock.millis() - this.epochMillis;
		if (now < 0) {
			throw new IdGenerationException("The clock (" + this.clock.instant() + ") is before the layout's epoch ("
					+ this.layout.epoch() + "): ids would be negative");
		}
		long previousHolder = this.lease.notAfterPreviousHolder() - this.epochMillis;
		if (now <= previousHolder) {
			now = catchUp(now, previousHolder + 1);
		}
		if (now < this.lastTimestamp) {
			now = catchUp(now, this.lastTimestamp);
		}
		if (now > this.layout.maxTimestamp()) {
			throw new IdGenerationException("The snowflake layout ran out of timestamps at " + this.layout.runsOutAt());
		}
		return now;
	}

	private long catchUp(long now, long target) {
		long behind = target - now;
		if (behind > this.maxBackwardMillis) {
			throw new ClockMovedBackwardsException(Duration.ofMillis(behind), Duration.ofMillis(this.maxBackwardMillis));
		}
		return awaitAtLeast(target);
	}

	private long awaitAfter(long timestamp) {
		return awaitAtLeast(timestamp + 1);
	}

	/** Sleeps (long gaps) or spins (the last millisecond) until the clock reaches {@code timestamp}. */
	private long awaitAtLeast(long timestamp) {
		long now = this.clock.millis() - this.epochMillis;
		while (now < timestamp) {
			long gap = timestamp - now;
			if (gap > 1) {
				try {
					Thread.sleep(gap - 1);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
					throw new IdGenerationException("Interrupted while waiting for the clock", ex);
				}
			}
			else {
				Thread.onSpinWait();
			}
			now = this.clock.millis() - this.epochMillis;
		}
		return now;
	}

}
