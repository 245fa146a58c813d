package io.distcore.lock;

import java.time.Duration;
import java.util.Optional;

/**
 * A {@link LockBackend} that can pass a hold from one owner straight to another in one round trip, instead of a
 * release followed by an acquire. {@link LockRegistry} uses it when a thread of this process releases a lock that
 * another local thread waits for; other backends get a release and then the waiter's acquire.
 */
public interface HandOverLockBackend extends LockBackend {

	/**
	 * Passes the hold of {@code owner} on {@code name} to {@code nextOwner} in one atomic step: if and only if
	 * {@code owner} still holds the lock, {@code nextOwner} holds it from then on, with a lease of
	 * {@code leaseTime} and a new fencing token, strictly greater than every token handed out before for this name.
	 * Nobody else can take the lock in between, and waiters of other processes are not woken (the lock never
	 * became free).
	 * @param name lock name
	 * @param owner the current holder
	 * @param nextOwner the owner that holds the lock afterwards, never {@code owner}
	 * @param leaseTime lease of the new hold
	 * @return the new hold, as {@link #acquire} would report it; empty if {@code owner} no longer held the lock
	 * (expired, taken over), in which case nothing changed
	 * @throws LockBackendUnavailableException if the backend cannot be reached; whether the hand-over was applied
	 * is unknown then: {@code nextOwner}'s next {@link #acquire} is granted if it was (the same-owner grant after a
	 * lost reply), and {@code owner}'s lease frees the lock if it was not
	 */
	Optional<LockGrant> handOver(String name, String owner, String nextOwner, Duration leaseTime);

}
