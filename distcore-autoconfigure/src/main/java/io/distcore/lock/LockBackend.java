package io.distcore.lock;

import java.time.Duration;
import java.util.Optional;

/**
 * What a lock backend implements: one named lock per {@code name}, held by at most one {@code owner} at a
 * time. Reentrancy, watchdog renewal, loss detection and listeners live above this SPI in
 * {@link LockRegistry}, so a backend only ever sees the first acquisition and the last release of a hold.
 * <p>
 * Owners are opaque strings, unique across processes (instance id plus thread or explicit owner). A backend
 * must be safe for concurrent use by many owners and never let an owner release or renew a lock it does not
 * hold. A backend that can pass a hold from one owner to another in one round trip implements
 * {@link HandOverLockBackend} as well.
 */
public interface LockBackend {

	/**
	 * Name of the backend: {@code local}, {@code redis}, {@code redlock}, {@code zookeeper} or {@code jdbc}.
	 * @return the name used in configuration, annotations, logs and metrics
	 */
	String name();

	/**
	 * Acquires the lock for {@code owner}, waiting up to {@code waitTime} while another owner holds it. Waiting
	 * is event driven where the backend allows it (no busy polling).
	 * @param name lock name
	 * @param owner the acquiring owner
	 * @param leaseTime how long the lock stays held without {@link #renew renewal}; the backend frees it after
	 * that even if the owner never releases it
	 * @param waitTime how long to wait for a holder to go away; zero means try once
	 * @return the new hold: its fencing token, strictly greater than every token handed out before for this
	 * name, and the {@link System#nanoTime()} at the start of the attempt that won, no later than the moment the
	 * backend's lease began (the registry counts the lease from there, not from the start of the wait); empty
	 * when the wait ran out
	 * @throws InterruptedException if the thread was interrupted while waiting; nothing is held then
	 * @throws LockBackendUnavailableException if the backend cannot be reached; nothing is held then
	 */
	Optional<LockGrant> acquire(String name, String owner, Duration leaseTime, Duration waitTime)
			throws InterruptedException;

	/**
	 * Extends a hold of {@code owner} to {@code leaseTime} from now. The registry calls it from a worker thread
	 * of this backend, counts the new lease from the moment it called, and interrupts the call after a quarter
	 * of the lease; an answer that comes after the hold's lease ran out in the registry no longer keeps it.
	 * @param name lock name
	 * @param owner the holder
	 * @param leaseTime new remaining lease
	 * @return {@code false} if {@code owner} no longer holds the lock (expired, deleted, taken over)
	 * @throws LockBackendUnavailableException if the backend cannot be reached; the caller retries
	 */
	boolean renew(String name, String owner, Duration leaseTime);

	/**
	 * Releases a hold of {@code owner}. Safe to repeat: a second call, or a call after the lease expired,
	 * changes nothing and never frees another owner's hold.
	 * @param name lock name
	 * @param owner the holder
	 * @return {@code false} if {@code owner} did not hold the lock any more
	 * @throws LockBackendUnavailableException if the backend cannot be reached; the lease frees the lock later
	 */
	boolean release(String name, String owner);

	/**
	 * Checks that the backend can be reached, for health checks: a read or a ping, never a write, so that
	 * checking leaves no key, row or node behind and cannot race with the holds of any owner. Called from a
	 * worker thread of the registry, which gives up after a quarter of the watchdog lease and interrupts the
	 * call. Backends with nothing to reach (in-process locks) keep the default, which does nothing.
	 * @throws LockBackendUnavailableException if the backend cannot be reached or does not answer
	 */
	default void check() {
	}

	/**
	 * Whether the locks of this backend live in this process only, so that its waiters already queue in memory and
	 * wake at a release: {@link LockRegistry} then puts no local queue in front of it, which would only add a
	 * second queue. Remote backends keep the default.
	 * @return {@code true} for in-process locks
	 */
	default boolean inProcess() {
		return false;
	}

	/**
	 * Registers the callback a backend calls when it learns, by itself, that holds are gone (a ZooKeeper
	 * session lost, say). Backends that only learn of losses through {@link #renew} keep the default.
	 * @param callback receives the lock name and owner of every hold that is gone
	 */
	default void onLoss(LossCallback callback) {
	}

	/**
	 * Receives holds a backend found lost by itself.
	 */
	@FunctionalInterface
	interface LossCallback {

		/**
		 * The hold of {@code owner} on {@code name} is gone.
		 * @param name lock name
		 * @param owner former holder
		 * @param reason human-readable cause
		 */
		void lost(String name, String owner, String reason);

	}

}
