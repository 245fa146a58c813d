package io.distcore.lock;

import java.time.Duration;

/**
 * Hears what happens to locks, for metrics, logs or alerts. Methods run on the thread that caused the event
 * (a worker thread of the backend for losses found by renewal, the closing thread for the holds a
 * {@link LockRegistry#close() close} ends) and must not block.
 */
public interface LockListener {

	/**
	 * A new hold started (not called for reentry).
	 * @param backend backend name
	 * @param lockName lock name
	 * @param fencingToken token of the hold
	 * @param waited how long acquisition took
	 */
	default void acquired(String backend, String lockName, long fencingToken, Duration waited) {
	}

	/**
	 * An acquisition gave up because the wait ran out.
	 * @param backend backend name
	 * @param lockName lock name
	 * @param waited how long it waited
	 */
	default void notAcquired(String backend, String lockName, Duration waited) {
	}

	/**
	 * A hold ended with the owner's last unlock.
	 * @param backend backend name
	 * @param lockName lock name
	 * @param held how long the lock was held
	 */
	default void released(String backend, String lockName, Duration held) {
	}

	/**
	 * A hold was lost before the owner released it.
	 * @param backend backend name
	 * @param lockName lock name
	 * @param fencingToken token of the lost hold
	 * @param reason human-readable cause
	 */
	default void lost(String backend, String lockName, long fencingToken, String reason) {
	}

	/**
	 * The backend failed to answer.
	 * @param backend backend name
	 * @param lockName lock name
	 * @param failure what went wrong
	 */
	default void backendFailed(String backend, String lockName, RuntimeException failure) {
	}

}
