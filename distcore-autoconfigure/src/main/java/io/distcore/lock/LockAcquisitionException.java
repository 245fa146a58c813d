package io.distcore.lock;

import java.time.Duration;

/**
 * A lock could not be acquired within its wait time. Nothing is held, and the guarded code did not run.
 */
public class LockAcquisitionException extends LockException {

	private final String lockName;

	public LockAcquisitionException(String lockName, Duration waitTime) {
		super("Could not acquire lock '" + lockName + "' within " + waitTime);
		this.lockName = lockName;
	}

	public LockAcquisitionException(String lockName, String message, Throwable cause) {
		super(message, cause);
		this.lockName = lockName;
	}

	/**
	 * Name of the lock that was not acquired.
	 * @return the lock name
	 */
	public String getLockName() {
		return this.lockName;
	}

}
