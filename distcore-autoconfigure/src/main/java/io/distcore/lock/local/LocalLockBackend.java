package io.distcore.lock.local;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.distcore.lock.LockBackend;
import io.distcore.lock.LockGrant;

/**
 * Locks that exclude threads of this JVM only; for a single process, tests and development. Leases are judged
 * by {@link System#nanoTime()}; waiters sleep on a condition and wake at a release or at the holder's lease end.
 * Tokens count up from 1 per name and start again when the process restarts (nothing is kept).
 */
public final class LocalLockBackend implements LockBackend {

	private final Map<String, Entry> entries = new ConcurrentHashMap<>();

	@Override
	public String name() {
		return "local";
	}

	@Override
	public boolean inProcess() {
		return true;
	}

	@Override
	public Optional<LockGrant> acquire(String name, String owner, Duration leaseTime, Duration waitTime)
			throws InterruptedException {
		Entry entry = this.entries.computeIfAbsent(name, (ignored) -> new Entry());
		long deadline = System.nanoTime() + waitTime.toNanos();
		entry.mutex.lockInterruptibly();
		try {
			while (true) {
				long now = System.nanoTime();
				if (entry.owner == null || now - entry.expiresAt >= 0) {
					entry.owner = owner;
					entry.expiresAt = now + leaseTime.toNanos();
					return Optional.of(new LockGrant(++entry.lastToken, now));
				}
				long remaining = deadline - now;
				if (remaining <= 0) {
					return Optional.empty();
				}
				entry.released.awaitNanos(Math.min(remaining, entry.expiresAt - now));
			}
		}
		finally {
			entry.mutex.unlock();
		}
	}

	@Override
	public boolean renew(String name, String owner, Duration leaseTime) {
		Entry entry = this.entries.get(name);
		if (entry == null) {
			return false;
		}
		entry.mutex.lock();
		try {
			long now = System.nanoTime();
			if (!entry.heldBy(owner, now)) {
				return false;
			}
			entry.expiresAt = now + leaseTime.toNanos();
			return true;
		}
		finally {
			entry.mutex.unlock();
		}
	}

	@Override
	public boolean release(String name, String owner) {
		Entry entry = this.entries.get(name);
		if (entry == null) {
			return false;
		}
		entry.mutex.lock();
		try {
			if (!entry.heldBy(owner, System.nanoTime())) {
				return false;
			}
			entry.owner = null;
			entry.released.signalAll();
			return true;
		}
		finally {
			entry.mutex.unlock();
		}
	}

	/** One lock name; entries are kept so that tokens keep counting up. */
	private static final class Entry {

		final ReentrantLock mutex = new ReentrantLock();

		final Condition released = this.mutex.newCondition();

		String owner;

		long expiresAt;

		long lastToken;

		boolean heldBy(String candidate, long now) {
			return candidate.equals(this.owner) && now - this.expiresAt < 0;
		}

	}

}
