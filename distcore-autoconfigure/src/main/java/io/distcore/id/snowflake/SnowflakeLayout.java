package io.distcore.id.snowflake;

import java.time.Instant;

/**
 * How a snowflake id's 63 usable bits are split: timestamp (milliseconds since the epoch), datacenter,
 * worker and sequence, from the high bits down. The sign bit stays 0.
 *
 * @param epoch time of timestamp 0; must be in the past
 * @param timestampBits bits of the timestamp; they decide when ids run out
 * @param datacenterBits bits of the datacenter id
 * @param workerBits bits of the worker id within a datacenter
 * @param sequenceBits bits of the per-millisecond sequence: 2^sequenceBits ids per millisecond per worker
 */
public record SnowflakeLayout(Instant epoch, int timestampBits, int datacenterBits, int workerBits, int sequenceBits) {

	/** 2020-01-01T00:00:00Z: a recent epoch leaves the most years ahead. */
	public static final Instant DEFAULT_EPOCH = Instant.parse("2020-01-01T00:00:00Z");

	/** Twitter's layout: 41-bit milliseconds (69 years), 5 + 5 worker bits, 12-bit sequence. */
	public static final SnowflakeLayout DEFAULT = new SnowflakeLayout(DEFAULT_EPOCH, 41, 5, 5, 12);

	/**
	 * The layout of the project's notes: a 40-bit millisecond timestamp (34.8 years) and a 12-bit sequence. The
	 * notes count 1 + 40 + 10 + 12 bits, which leaves one of the 64 unused; here it goes to the datacenter
	 * (6 bits), so 2,048 workers fit.
	 */
	public static final SnowflakeLayout SEED = new SnowflakeLayout(DEFAULT_EPOCH, 40, 6, 5, 12);

	/**
	 * Validates the layout.
	 * @throws IllegalArgumentException naming the part that is wrong
	 */
	public SnowflakeLayout {
		if (epoch == null) {
			throw new IllegalArgumentException("epoch must be set");
		}
		if (timestampBits < 1 || datacenterBits < 0 || workerBits < 0 || sequenceBits < 1) {
			throw new IllegalArgumentException("timestamp and sequence need at least 1 bit, datacenter and worker at least 0; got "
					+ describe(timestampBits, datacenterBits, workerBits, sequenceBits));
		}
		int total = timestampBits + datacenterBits + workerBits + sequenceBits;
		if (total != 63) {
			throw new IllegalArgumentException("bits must add up to 63 (the sign bit stays 0), but "
					+ describe(timestampBits, datacenterBits, workerBits, sequenceBits) + " add up to " + total);
		}
	}

	/**
	 * Largest datacenter id.
	 * @return the largest id that fits
	 */
	public long maxDatacenterId() {
		return (1L << this.datacenterBits) - 1;
	}

	/**
	 * Largest worker id within a datacenter.
	 * @return the largest id that fits
	 */
	public long maxWorkerId() {
		return (1L << this.workerBits) - 1;
	}

	/**
	 * Largest sequence value within one millisecond.
	 * @return the largest sequence that fits
	 */
	public long maxSequence() {
		return (1L << this.sequenceBits) - 1;
	}

	/**
	 * Largest timestamp, in milliseconds since the epoch.
	 * @return the largest timestamp that fits
	 */
	public long maxTimestamp() {
		return (1L << this.timestampBits) - 1;
	}

	/**
	 * Number of distinct workers across all datacenters.
	 * @return 2^(datacenterBits + workerBits)
	 */
	public long workerCount() {
		return 1L << (this.datacenterBits + this.workerBits);
	}

	/**
	 * The last moment an id can be issued.
	 * @return the epoch plus the largest timestamp
	 */
	public Instant runsOutAt() {
		return this.epoch.plusMillis(maxTimestamp());
	}

	int workerShift() {
		return this.sequenceBits;
	}

	int datacenterShift() {
		return this.sequenceBits + this.workerBits;
	}

	int timestampShift() {
		return this.sequenceBits + this.workerBits + this.datacenterBits;
	}

	/**
	 * Builds an id from its parts.
	 * @param timestamp milliseconds since the epoch
	 * @param datacenterId datacenter id
	 * @param workerId worker id
	 * @param sequence sequence within the millisecond
	 * @return the id
	 */
	public long compose(long timestamp, long datacenterId, long workerId, long sequence) {
		return (timestamp << timestampShift()) | (datacenterId << datacenterShift()) | (workerId << workerShift()) | sequence;
	}

	/**
	 * Splits an id into its parts.
	 * @param id an id of this layout
	 * @return its parts
	 */
	public SnowflakeId decode(long id) {
		if (id < 0) {
			throw new IllegalArgumentException("Snowflake ids are not negative: " + id);
		}
		long timestamp = id >>> timestampShift();
		long datacenter = (id >>> datacenterShift()) & maxDatacenterId();
		long worker = (id >>> workerShift()) & maxWorkerId();
		long sequence = id & maxSequence();
		return new SnowflakeId(id, this.epoch.plusMillis(timestamp), datacenter, worker, sequence);
	}

	private static String describe(int timestamp, int datacenter, int worker, int sequence) {
		return "timestamp " + timestamp + " + datacenter " + datacenter + " + worker " + worker + " + sequence " + sequence;
	}

}
