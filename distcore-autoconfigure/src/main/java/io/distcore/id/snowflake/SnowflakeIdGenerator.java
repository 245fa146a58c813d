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
 * timestamp its previous holder recorded.
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

	private long lastTimestamp = -1;

	private long sequence;

	/**
	 * Creates a generator.
	 * @param layout bit layout
	 * @param lease worker identity; its ids must fit the layout
	 * @param clock wall clock (a test may move it)
	 * @param maxBackward largest backward clock step that is waited out instead of failing
	 * @param randomFirstSequence whether each millisecond starts at a random sequence below 100
	 */
	public SnowflakeIdGenerator(SnowflakeLayout layout, WorkerIdLease lease, Clock clock, Duration maxBackward,
			boolean randomFirstSequence) {
		if (lease.datacenterId() < 0 || lease.datacenterId() > layout.maxDatacenterId()) {
			throw new IllegalArgumentException("Datacenter id " + lease.datacenterId() + " does not fit "
					+ layout.datacenterBits() + " bits (0.." + layout.maxDatacenterId() + ")");
		}
		if (lease.workerId() < 0 || lease.workerId() > layout.maxWorkerId()) {
			throw new IllegalArgumentException("Worker id " + lease.workerId() + " does not fit " + layout.workerBits()
					+ " bits (0.." + layout.maxWorkerId() + ")");
		}
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
	}

	@Override
	public long nextId(String tag) {
		return nextId();
	}

	@Override
	public synchronized long nextId() {
		long timestamp = currentTimestamp();
		if (timestamp == this.lastTimestamp) {
			if (this.sequence < this.maxSequence) {
				this.sequence++;
				return compose(timestamp);
			}
			timestamp = awaitAfter(this.lastTimestamp);
		}
		// Recorded before the first id of the millisecond: a release that did not see it must not see the id.
		if (!this.lease.recordTimestamp(timestamp + this.epochMillis)) {
			throw new IdGenerationException("The worker id lease (" + this.lease + ") was released: no more ids");
		}
		this.sequence = (this.firstSequenceBound > 0) ? ThreadLocalRandom.current().nextInt(this.firstSequenceBound) : 0;
		this.lastTimestamp = timestamp;
		return compose(timestamp);
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

	private long compose(long timestamp) {
		return this.layout.compose(timestamp, this.lease.datacenterId(), this.lease.workerId(), this.sequence);
	}

	/**
	 * Milliseconds since the layout's epoch: after the previous holder's last timestamp, and not before this
	 * generator's last one (equal continues its sequence).
	 */
	private long currentTimestamp() {
		if (!this.lease.isValid()) {
			throw new IdGenerationException("The worker id lease (" + this.lease + ") is not held: no ids until it is again");
		}
		long now = this.clock.millis() - this.epochMillis;
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
