package io.distcore.id.snowflake;

/**
 * The worker identity a {@link SnowflakeIdGenerator} issues ids under: fixed by configuration, or leased from
 * a backend and renewed by a heartbeat. Methods are called on every id, so they must be cheap (no I/O).
 */
public interface WorkerIdLease {

	/**
	 * Datacenter part of the identity.
	 * @return the datacenter id
	 */
	long datacenterId();

	/**
	 * Worker part of the identity.
	 * @return the worker id
	 */
	long workerId();

	/**
	 * Whether ids may be issued under this identity now; false once a lease is lost or expired.
	 * @return whether the identity is held
	 */
	boolean isValid();

	/**
	 * The last timestamp (epoch milliseconds) an earlier holder of this identity used; no id may carry an
	 * earlier or equal timestamp, or it could repeat one of theirs.
	 * @return epoch milliseconds, 0 when nobody held it before
	 */
	long notAfterPreviousHolder();

	/**
	 * Remembers a timestamp before the first id carrying it is issued, so that the next holder can stay clear of
	 * it. Called once per millisecond at most; implementations keep it in memory and persist it with their
	 * heartbeat and at release.
	 * @param epochMillis the timestamp
	 * @return {@code false} once the identity was released: the id must not be issued, since the timestamp was
	 * not handed on to the next holder
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
