package io.distcore.lock;

import java.time.Duration;

/**
 * One named distributed lock, handed out by {@link LockRegistry}. Cheap to create; hold state lives in the
 * registry, so two {@code NamedLock} objects for the same name and owner share it.
 * <p>
 * The owner is this process's instance id and a random part of its registry, plus either the calling thread
 * ({@code <instanceId>:<random>:t:<threadId>}, the default) or an explicit owner given through
 * {@link LockRegistry#getLock(String, String, String)} ({@code <instanceId>:<random>:o:<owner>}), for code that
 * locks on one thread and unlocks on another; the two forms never collide. A default handle resolves its owner at
 * each call ({@link #tryLock}, {@link #lock}, {@link #unlock}, {@link #isHeldByCurrentOwner}, {@link #holdCount},
 * {@link #fencingToken}), never when it is created: one handle kept in a field and shared by request threads
 * excludes them from each other, and one thread's {@code unlock()} never releases another's hold. Holds are
 * reentrant per owner: reentry is counted in memory and costs no round trip; only the last {@link #unlock()}
 * releases the lock and reentry keeps the first hold's lease and token.
 */
public final class NamedLock {

	/** Longest single wait of {@link #lock()}; it waits again after each. */
	private static final Duration LOCK_WAIT_SLICE = Duration.ofMinutes(10);

	private final LockRegistry.BackendHolds holds;

	private final String name;

	private final String ownerPrefix;

	/** Qualified explicit owner; {@code null} for the calling thread. */
	private final String explicitOwner;

	NamedLock(LockRegistry.BackendHolds holds, String name, String ownerPrefix, String explicitOwner) {
		this.holds = holds;
		this.name = name;
		this.ownerPrefix = ownerPrefix;
		this.explicitOwner = (explicitOwner != null) ? ownerPrefix + ":o:" + explicitOwner : null;
	}

	/**
	 * Name of this lock.
	 * @return the lock name
	 */
	public String name() {
		return this.name;
	}

	/**
	 * Owner this handle acts for on the calling thread: the explicit owner, or this process's instance id plus
	 * the calling thread.
	 * @return the qualified owner id
	 */
	public String owner() {
		return (this.explicitOwner != null) ? this.explicitOwner
				: this.ownerPrefix + ":t:" + Thread.currentThread().getId();
	}

	/**
	 * Name of the backend that keeps this lock.
	 * @return the backend name
	 */
	public String backend() {
		return this.holds.backend().name();
	}

	/**
	 * Tries to acquire the lock, waiting at most {@code waitTime} for another owner to release it.
	 * @param waitTime how long to wait; zero tries once
	 * @param leaseTime how long the hold lasts unless released; {@code null} or zero keeps it alive with a
	 * watchdog that renews it every third of the default lease while this process lives
	 * @return whether the lock is now held by this owner; a hold that a releasing thread of this process had
	 * begun to pass to this one is taken, and {@code true} returned, even if the wait time ran out or an interrupt
	 * came meanwhile (the interrupt flag is then set again), so that no hold is left with an owner that gave up
	 * @throws InterruptedException if interrupted while waiting; nothing is held then
	 * @throws LockBackendUnavailableException if the backend cannot be reached; nothing is held then
	 * @throws LockLostException if this owner already held the lock and that hold was lost
	 * @throws IllegalStateException if the registry is closed; nothing is held then
	 */
	public boolean tryLock(Duration waitTime, Duration leaseTime) throws InterruptedException {
		return this.holds.acquire(this.name, owner(), waitTime, leaseTime);
	}

	/**
	 * Tries to acquire the lock with a watchdog-renewed lease.
	 * @param waitTime how long to wait; zero tries once
	 * @return whether the lock is now held by this owner
	 * @throws InterruptedException if interrupted while waiting
	 * @see #tryLock(Duration, Duration)
	 */
	public boolean tryLock(Duration waitTime) throws InterruptedException {
		return tryLock(waitTime, null);
	}

	/**
	 * Acquires the lock, waiting as long as it takes.
	 * @param leaseTime explicit lease, or {@code null} for a watchdog-renewed one
	 * @throws LockAcquisitionException if the thread is interrupted while waiting (the interrupt flag is
	 * restored)
	 * @throws LockBackendUnavailableException if the backend cannot be reached
	 */
	public void lock(Duration leaseTime) {
		try {
			while (!tryLock(LOCK_WAIT_SLICE, leaseTime)) {
				// waits again: lock() has no deadline
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new LockAcquisitionException(this.name, "Interrupted while waiting for lock '" + this.name + "'", ex);
		}
	}

	/**
	 * Acquires the lock with a watchdog-renewed lease, waiting as long as it takes.
	 * @see #lock(Duration)
	 */
	public void lock() {
		lock(null);
	}

	/**
	 * Ends one level of this owner's hold; the last one releases the lock.
	 * @throws LockNotHeldException if this owner does not hold the lock
	 * @throws LockLostException if the hold was lost before this release (lease expired, backend lost it);
	 * the lock is no longer held either way
	 * @throws LockBackendUnavailableException if the release did not reach the backend; calling
	 * {@code unlock()} again retries it, and the lease frees the lock in any case
	 */
	public void unlock() {
		this.holds.release(this.name, owner());
	}

	/**
	 * Whether this owner holds the lock now, as far as this process knows: not lost, and its lease, counted from
	 * the start of the backend's winning attempt or last renewal, not run out less a drift margin of lease/100 +
	 * 2 ms; {@code false} from the moment the registry is closed.
	 * @return whether the lock is held
	 */
	public boolean isHeldByCurrentOwner() {
		return this.holds.isHeld(this.name, owner());
	}

	/**
	 * How many times this owner has entered the lock without leaving it.
	 * @return the reentry count, 0 when not held
	 */
	public int holdCount() {
		return this.holds.holdCount(this.name, owner());
	}

	/**
	 * Fencing token of the current hold: strictly greater than every token of an earlier hold of the same lock
	 * name, whichever process held it. Pass it to the resource the lock protects, and let the resource reject
	 * writes carrying a smaller token than one it has seen: that keeps a holder paused past its lease from
	 * doing harm.
	 * @return the token
	 * @throws LockNotHeldException if this owner does not hold the lock
	 */
	public long fencingToken() {
		return this.holds.fencingToken(this.name, owner());
	}

	@Override
	public String toString() {
		String owner = (this.explicitOwner != null) ? this.explicitOwner : this.ownerPrefix + ":t:<calling thread>";
		return "NamedLock[" + backend() + ":" + this.name + " for " + owner + "]";
	}

}
