package io.distcore.id.snowflake;

/**
 * The worker identity a {@link SnowflakeIdGenerator} issues ids under: fixed by configuration, or leased from
 * a backend and renewed by a heartbeat. Apart from {@link #acquire()} on its first call, methods are called on
 * every id, so they must be cheap (no I/O).
 */
public interface WorkerIdLease {

	/**
	 * Takes the identity if it is not taken yet, such as a lease claimed on first use. The generator calls it
	 * before its first id, outside its own monitor (concurrent callers may call it together), and reads
	 * {@link #datacenterId()} and {@link #workerId()} only once it returned; a call after a successful one returns
	 * at once. The default does nothing: the identity exists from the start.
	 * @throws io.distcore.id.IdGenerationException if the identity cannot be taken now; a later call tries again
	 */
	default void acquire() {
	}

	/**
	 * Datacenter part of the identity, known once {@link #acquire()} returned; it never changes afterwards.
	 * @return the datacenter id
	 */
	long datacenterId();

	/**
	 * Worker part of the identity, known once {@link #acquire()} returned; it never changes afterwards.
	 * @return the worker id
	 */
	long workerId();

	/**
	 * Whether ids may be issued under this identity now; false before it is acquired and once a lease is lost
	 * or expired. The generator asks last, after any wait for the clock, right before it issues an id.
	 * @return whether the identity is held
	 */
	boolean isValid();

	/**
	 * The last timestamp (epoch milliseconds) an earlier holder of this identity used; no id may carry an
	 * earlier or equal timestamp, or it could repeat one of theirs. It may rise while the identity is held: a
	 * lease that lost it and took it back raises it to the newest timestamp of the holder in between before
	 * {@link #isValid()} turns true again, so the generator reads it again after {@code isValid()}.
	 * @return epoch milliseconds, 0 when nobody held it before
	 */
	long notAfterPreviousHolder();

	/**
	 * Remembers a timestamp before the first id carrying it is issued, so that the next holder can stay clear of
	 * it. Called once per millisecond at most; implementations keep it in memory and persist it with their
	 * heartbeat and at release.
	 * @param epochMillis the timestamp
	 * @return {@code false} once the identity was released or is no longer {@link #isValid() valid}: the id must
	 * not be issued, since the timestamp may not be handed on to the next holder
	 */
	default boolean recordTimestamp(long epochMillis) {
		return true;
	}

	/**
	 * A fixed identity from configuration: always valid, no history.
	 * @param datacenterId datacenter id
	 * @param workerId worker id
	 * @return the identity
	 */
	static WorkerIdLease fixed(long datacenterId, long workerId) {
		return new WorkerIdLease() {

			@Override
			public long datacenterId() {
				return datacenterId;
			}

			@Override
			public long workerId() {
				return workerId;
			}

			@Override
			public boolean isValid() {
				return true;
			}

			@Override
			public long notAfterPreviousHolder() {
				return 0;
			}

			@Override
			public String toString() {
				return "fixed datacenter " + datacenterId + " worker " + workerId;
			}

		};
	}

}
