package io.distcore.id.snowflake;

import java.time.Instant;

/**
 * How a snowflake id's 63 usable bits are split: timestamp (milliseconds since the epoch), datacenter,
 * worker and sequence, from the high bits down. The sign bit stays 0, and so do the spare bits above the
 * timestamp of a layout whose parts add up to fewer than 63 bits.
 *
 * @param epoch time of timestamp 0; must not be in the future, or the first ids would need negative timestamps
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
	 * The layout of the project's seed note, field for field: 1 unused bit, a 40-bit millisecond timestamp
	 * (34.8 years), 5 datacenter bits, 5 machine bits and a 12-bit sequence. That is 63 of the 64 bits; the one
	 * left over is the spare bit above the timestamp, always 0, so that a decoder written from the note reads
	 * every part where the note puts it.
	 */
	public static final SnowflakeLayout SEED = new SnowflakeLayout(DEFAULT_EPOCH, 40, 5, 5, 12);

	/** Two spare bits would be a layout nobody meant (a mistyped bit count); the seed note leaves one. */
	private static final int MIN_TOTAL_BITS = 62;

	/**
	 * Validates the layout.
	 * @throws IllegalArgumentException naming the part that is wrong
	 */
	public SnowflakeLayout {
		if (epoch == null) {
			throw new IllegalArgumentException("epoch must be set");
		}
		if (epoch.isAfter(Instant.now())) {
			throw new IllegalArgumentException("epoch " + epoch + " is in the future: ids issued before it would "
					+ "carry negative timestamps; use a past epoch such as " + DEFAULT_EPOCH);
		}
		if (timestampBits < 1 || datacenterBits < 0 || workerBits < 0 || sequenceBits < 1) {
			throw new IllegalArgumentException("timestamp and sequence need at least 1 bit, datacenter and worker at least 0; got "
					+ describe(timestampBits, datacenterBits, workerBits, sequenceBits));
		}
		int total = timestampBits + datacenterBits + workerBits + sequenceBits;
		if (total < MIN_TOTAL_BITS || total > 63) {
			throw new IllegalArgumentException("bits must add up to 63 (the sign bit stays 0), or 62 with one spare "
					+ "high bit, but " + describe(timestampBits, datacenterBits, workerBits, sequenceBits)
					+ " add up to " + total);
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
