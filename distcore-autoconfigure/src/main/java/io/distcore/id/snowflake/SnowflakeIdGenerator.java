package io.distcore.id.snowflake;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
 * timestamp its previous holder recorded (one whose clock is further ahead than {@code maxBackward} fails with an
 * {@link IdGenerationException} naming that holder's time). The lease is asked last, after every wait, right
 * before an id is issued: a lease that ran out while the generator waited for the clock (or while its thread was
 * paused) issues nothing, and one that lost its identity and took it back meanwhile has its previous holder's
 * bound read again, so the call waits past the ids issued in between.
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
	private volatile long identityBits = -1;

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

	/**
	 * {@inheritDoc}
	 * <p>
	 * The identity is acquired outside the generator's monitor, so callers waiting for a claim that does not
	 * answer are bounded by the lease (one claim attempt), not queued behind each other.
	 */
	@Override
	public long nextId() {
		long identity = identity();
		synchronized (this) {
			return issue(identity);
		}
	}

	@Override
	public long[] nextIds(String tag, int count) {
		identity();
		synchronized (this) {
			return IdGenerator.super.nextIds(tag, count);
		}
	}

	private long issue(long identity) {
		while (true) {
			long timestamp = currentTimestamp();
			boolean newMillisecond = timestamp != this.lastTimestamp;
			if (!newMillisecond && this.sequence >= this.maxSequence) {
				timestamp = awaitAfter(this.lastTimestamp);
				newMillisecond = true;
			}
			// Recorded before the first id of the millisecond: a release that did not see it must not see the id.
			if (newMillisecond && !this.lease.recordTimestamp(timestamp + this.epochMillis)) {
				throw new IdGenerationException("The worker id lease (" + this.lease + ") refused the timestamp: it "
						+ "was released or is no longer held; no id issued");
			}
			// Asked after every wait: the lease may have run out meanwhile, and its next holder may be issuing ids.
			if (!this.lease.isValid()) {
				throw new IdGenerationException("The worker id lease (" + this.lease + ") is not held: no ids until it "
						+ "is again");
			}
			// Read after isValid(): a lease that lost its slot and took it back while this call waited raised the
			// bound before it turned valid again, and the holder in between may have used this timestamp.
			if (timestamp + this.epochMillis > this.lease.notAfterPreviousHolder()) {
				if (newMillisecond) {
					this.sequence = (this.firstSequenceBound > 0)
							? ThreadLocalRandom.current().nextInt(this.firstSequenceBound) : 0;
					this.lastTimestamp = timestamp;
				}
				else {
					this.sequence++;
				}
				return (timestamp << this.timestampShift) | identity | this.sequence;
			}
		}
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

	/** Computed by every caller that finds it unset (the same value); the lease claims once. */
	private long identity() {
		long known = this.identityBits;
		if (known >= 0) {
			return known;
		}
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
		long bits = this.layout.compose(0, datacenterId, workerId, 0);
		this.identityBits = bits;
		return bits;
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
			now = awaitPreviousHolder(now, previousHolder);
		}
		if (now < this.lastTimestamp) {
			long behind = this.lastTimestamp - now;
			if (behind > this.maxBackwardMillis) {
				throw new ClockMovedBackwardsException(Duration.ofMillis(behind),
						Duration.ofMillis(this.maxBackwardMillis));
			}
			now = awaitAtLeast(this.lastTimestamp);
		}
		if (now > this.layout.maxTimestamp()) {
			throw new IdGenerationException("The snowflake layout ran out of timestamps at " + this.layout.runsOutAt());
		}
		return now;
	}

	/**
	 * Waits until the clock is past the last timestamp an earlier holder stored, if that is within
	 * {@code maxBackward}. Further ahead, this clock did not necessarily move back: another host's clock ran
	 * ahead of this one, so the message names that holder's time, not a backward step.
	 */
	private long awaitPreviousHolder(long now, long previousHolder) {
		long behind = previousHolder + 1 - now;
		if (behind > this.maxBackwardMillis) {
			throw new IdGenerationException("An earlier holder of the worker id (" + this.lease + ") issued ids up to "
					+ Instant.ofEpochMilli(previousHolder + this.epochMillis) + ", " + behind + " ms ahead of this "
					+ "host's clock (" + Instant.ofEpochMilli(now + this.epochMillis) + ") and more than the "
					+ this.maxBackwardMillis + " ms that are waited out (distcore.id.snowflake.max-backward): the "
					+ "clocks of the hosts disagree, check their NTP synchronisation; no ids under this worker id "
					+ "until this clock passes that time");
		}
		return awaitAtLeast(previousHolder + 1);
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
