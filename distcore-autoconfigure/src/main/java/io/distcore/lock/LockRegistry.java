package io.distcore.lock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import io.distcore.support.InstanceId;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.util.Assert;

/**
 * Hands out {@link NamedLock named locks} on one or more {@link LockBackend backends}, and keeps what this
 * process holds: reentry counts, leases, the watchdog that renews holds without an explicit lease, and the
 * loss of holds. One registry per application context.
 */
public final class LockRegistry implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(LockRegistry.class);

	/** A loss reported for a hold that was never recorded is forgotten after this long. */
	private static final long PENDING_LOSS_MAX_AGE_NANOS = Duration.ofMinutes(1).toNanos();

	private final InstanceId instanceId;

	private final Map<String, BackendHolds> backends;

	private final String defaultBackend;

	private final Duration watchdogLease;

	private final LockListener listener;

	private final ScheduledExecutorService watchdog;

	/**
	 * Creates a registry.
	 * @param instanceId identity of this process, the first part of every owner
	 * @param backends the backends, by their {@link LockBackend#name() names}
	 * @param defaultBackend name of the backend {@link #getLock(String)} uses
	 * @param watchdogLease lease of holds without an explicit one; renewed every third of it
	 * @param listeners listeners told of every hold's life
	 */
	public LockRegistry(InstanceId instanceId, Collection<? extends LockBackend> backends, String defaultBackend,
			Duration watchdogLease, List<? extends LockListener> listeners) {
		Assert.notNull(instanceId, "InstanceId must not be null");
		Assert.notEmpty(backends, "At least one LockBackend is required");
		Assert.isTrue(watchdogLease != null && watchdogLease.toMillis() >= 3,
				"Watchdog lease must be at least 3 ms, was " + watchdogLease);
		this.instanceId = instanceId;
		this.watchdogLease = watchdogLease;
		this.listener = new CompositeListener(List.copyOf(listeners));
		// Two threads: one renewal stuck on a slow backend does not starve every other hold.
		this.watchdog = Executors.newScheduledThreadPool(2, (task) -> {
			Thread thread = new Thread(task, "distcore-lock-watchdog");
			thread.setDaemon(true);
			return thread;
		});
		Map<String, BackendHolds> byName = new LinkedHashMap<>();
		for (LockBackend backend : backends) {
			Assert.isTrue(!byName.containsKey(backend.name()), () -> "Two lock backends are named '" + backend.name() + "'");
			BackendHolds holds = new BackendHolds(backend);
			backend.onLoss(holds::lostByBackend);
			byName.put(backend.name(), holds);
		}
		Assert.isTrue(byName.containsKey(defaultBackend),
				() -> "Default lock backend '" + defaultBackend + "' is not one of " + byName.keySet());
		this.backends = Map.copyOf(byName);
		this.defaultBackend = defaultBackend;
	}

	/**
	 * The lock {@code name} on the default backend, owned by the calling thread.
	 * @param name lock name
	 * @return a handle on the lock
	 */
	public NamedLock getLock(String name) {
		return getLock(name, this.defaultBackend);
	}

	/**
	 * The lock {@code name} on the given backend, owned by the calling thread.
	 * @param name lock name
	 * @param backend backend name, one of {@link #backends()}
	 * @return a handle on the lock
	 */
	public NamedLock getLock(String name, String backend) {
		return new NamedLock(holds(backend), checkName(name),
				this.instanceId.value() + ":thread-" + Thread.currentThread().getId());
	}

	/**
	 * The lock {@code name} on the given backend, owned by an explicit owner instead of the calling thread: for
	 * code that acquires on one thread and releases on another.
	 * @param name lock name
	 * @param backend backend name, one of {@link #backends()}
	 * @param owner owner id, unique within this process for as long as it holds locks
	 * @return a handle on the lock
	 */
	public NamedLock getLock(String name, String backend, String owner) {
		Assert.hasText(owner, "Owner must not be empty");
		return new NamedLock(holds(backend), checkName(name), this.instanceId.value() + ":" + owner);
	}

	/**
	 * Name of the backend {@link #getLock(String)} uses.
	 * @return the default backend name
	 */
	public String defaultBackend() {
		return this.defaultBackend;
	}

	/**
	 * Names of all backends of this registry.
	 * @return the backend names
	 */
	public Set<String> backends() {
		return this.backends.keySet();
	}

	/**
	 * What this process holds right now, for monitoring.
	 * @return one entry per hold, oldest first
	 */
	public List<HoldInfo> holds() {
		List<HoldInfo> result = new ArrayList<>();
		long now = System.nanoTime();
		for (BackendHolds backend : this.backends.values()) {
			for (Hold hold : backend.holds.values()) {
				synchronized (hold) {
					result.add(new HoldInfo(backend.backend.name(), hold.name, hold.owner, hold.token, hold.count,
							Duration.ofNanos(now - hold.acquiredAt), hold.watchdog, hold.lostReason));
				}
			}
		}
		result.sort(Comparator.comparing(HoldInfo::heldFor).reversed());
		return result;
	}

	/**
	 * Stops the watchdog. Holds are not released: their leases free them.
	 */
	@Override
	public void close() {
		this.watchdog.shutdownNow();
	}

	private BackendHolds holds(String backend) {
		BackendHolds holds = this.backends.get(backend);
		if (holds == null) {
			throw new IllegalArgumentException("Unknown lock backend '" + backend + "'; available: " + this.backends.keySet());
		}
		return holds;
	}

	private static String checkName(String name) {
		Assert.hasText(name, "Lock name must not be empty");
		return name;
	}

	/**
	 * One hold as seen by {@link #holds()}.
	 *
	 * @param backend backend name
	 * @param name lock name
	 * @param owner holder
	 * @param fencingToken token of the hold
	 * @param holdCount reentry count
	 * @param heldFor time since acquisition
	 * @param watchdog whether the watchdog renews it
	 * @param lostReason why it was lost, {@code null} while it is not
	 */
	public record HoldInfo(String backend, String name, String owner, long fencingToken, int holdCount,
			Duration heldFor, boolean watchdog, String lostReason) {
	}

	/** State of one owner's hold on one lock. Guarded by its own monitor. */
	private static final class Hold {

		final String name;

		final String owner;

		final long token;

		final long acquiredAt;

		final Duration lease;

		final boolean watchdog;

		/** For explicit leases: when this process stops believing it holds the lock. */
		final long expiresAt;

		int count = 1;

		long lastRenewedAt;

		String lostReason;

		boolean releasePending;

		ScheduledFuture<?> renewal;

		Hold(String name, String owner, long token, long acquiredAt, Duration lease, boolean watchdog) {
			this.name = name;
			this.owner = owner;
			this.token = token;
			this.acquiredAt = acquiredAt;
			this.lastRenewedAt = acquiredAt;
			this.lease = lease;
			this.watchdog = watchdog;
			this.expiresAt = acquiredAt + lease.toNanos();
		}

		/**
		 * Whether this process may still assume it holds the lock: not lost, and within the lease of the last
		 * renewal that was started (watchdog) or of the acquisition (explicit lease).
		 */
		boolean live(long now) {
			long leaseEnd = this.watchdog ? this.lastRenewedAt + this.lease.toNanos() : this.expiresAt;
			return this.lostReason == null && !this.releasePending && now - leaseEnd < 0;
		}

	}

	/** The holds of this process on one backend. */
	final class BackendHolds {

		private final LockBackend backend;

		private final Map<String, Hold> holds = new ConcurrentHashMap<>();

		/**
		 * Losses a backend reported between handing out a token and the hold being recorded here, with the time
		 * they arrived; consumed by the acquisition they belong to.
		 */
		private final Map<String, PendingLoss> pendingLosses = new ConcurrentHashMap<>();

		BackendHolds(LockBackend backend) {
			this.backend = backend;
		}

		LockBackend backend() {
			return this.backend;
		}

		boolean acquire(String name, String owner, Duration waitTime, Duration leaseTime) throws InterruptedException {
			Assert.isTrue(waitTime != null && !waitTime.isNegative(), "Wait time must not be negative");
			Assert.isTrue(leaseTime == null || !leaseTime.isNegative(), "Lease time must not be negative");
			String key = key(name, owner);
			Hold existing = this.holds.get(key);
			if (existing != null && reenter(key, existing)) {
				return true;
			}
			boolean watchdog = leaseTime == null || leaseTime.isZero();
			Duration lease = watchdog ? LockRegistry.this.watchdogLease : leaseTime;
			long start = System.nanoTime();
			OptionalLong token;
			try {
				token = this.backend.acquire(name, owner, lease, waitTime);
			}
			catch (LockBackendUnavailableException ex) {
				LockRegistry.this.listener.backendFailed(this.backend.name(), name, ex);
				throw ex;
			}
			Duration waited = Duration.ofNanos(System.nanoTime() - start);
			if (token.isEmpty()) {
				LockRegistry.this.listener.notAcquired(this.backend.name(), name, waited);
				return false;
			}
			// The lease started no later than the call did, so expiry is judged from `start`.
			Hold hold = new Hold(name, owner, token.getAsLong(), start, lease, watchdog);
			Hold raced = this.holds.putIfAbsent(key, hold);
			if (raced != null) {
				// The same explicit owner acquired on two threads at once: one hold, counted twice.
				synchronized (raced) {
					raced.count++;
				}
				return true;
			}
			PendingLoss early = this.pendingLosses.remove(key);
			if (watchdog) {
				long period = Math.max(1, lease.toMillis() / 3);
				hold.renewal = LockRegistry.this.watchdog.scheduleWithFixedDelay(() -> renew(key, hold), period, period,
						TimeUnit.MILLISECONDS);
			}
			LockRegistry.this.listener.acquired(this.backend.name(), name, hold.token, waited);
			if (early != null && early.arrivedAt - start >= 0) {
				markLost(key, hold, early.reason);
			}
			return true;
		}

		/**
		 * Counts a reentry of a live hold. Reentering a lost hold fails and leaves the hold in place, so that
		 * each enclosing level's unlock() reports the loss too; a hold whose release did not reach the backend
		 * is finished off so that a fresh one can be taken.
		 */
		private boolean reenter(String key, Hold hold) {
			String lost = null;
			boolean notifyLost = false;
			synchronized (hold) {
				if (hold.live(System.nanoTime())) {
					hold.count++;
					return true;
				}
				cancelRenewal(hold);
				if (!hold.releasePending) {
					lost = lostReason(hold);
					notifyLost = hold.lostReason == null;
					hold.lostReason = lost;
				}
			}
			if (lost != null) {
				if (notifyLost) {
					LockRegistry.this.listener.lost(this.backend.name(), hold.name, hold.token, lost);
				}
				throw new LockLostException(hold.name, hold.token, lost);
			}
			this.holds.remove(key, hold);
			this.backend.release(hold.name, hold.owner);
			return false;
		}

		void release(String name, String owner) {
			String key = key(name, owner);
			Hold hold = this.holds.get(key);
			if (hold == null) {
				throw new LockNotHeldException(name, owner);
			}
			boolean retry;
			String lost = null;
			boolean notifyLost = false;
			synchronized (hold) {
				retry = hold.releasePending;
				if (!retry && !hold.live(System.nanoTime())) {
					lost = lostReason(hold);
					notifyLost = hold.lostReason == null;
					hold.lostReason = lost;
					if (--hold.count > 0) {
						// Every level of a lost hold learns of the loss; the last one clears it.
						throw new LockLostException(name, hold.token, lost);
					}
					cancelRenewal(hold);
					this.holds.remove(key, hold);
				}
				else if (!retry) {
					if (--hold.count > 0) {
						return;
					}
					hold.releasePending = true;
					cancelRenewal(hold);
				}
			}
			if (lost != null) {
				releaseQuietly(name, owner);
				if (notifyLost) {
					LockRegistry.this.listener.lost(this.backend.name(), name, hold.token, lost);
				}
				throw new LockLostException(name, hold.token, lost);
			}
			boolean released;
			try {
				released = this.backend.release(name, owner);
			}
			catch (LockBackendUnavailableException ex) {
				LockRegistry.this.listener.backendFailed(this.backend.name(), name, ex);
				throw ex;
			}
			this.holds.remove(key, hold);
			if (!released && !retry) {
				String reason = lostReason(hold);
				LockRegistry.this.listener.lost(this.backend.name(), name, hold.token, reason);
				throw new LockLostException(name, hold.token, reason);
			}
			LockRegistry.this.listener.released(this.backend.name(), name,
					Duration.ofNanos(System.nanoTime() - hold.acquiredAt));
		}

		/**
		 * Frees a lost hold in case the backend still has it (a renewal that timed out may have succeeded); the
		 * SPI guarantees this never frees another owner's hold.
		 */
		private void releaseQuietly(String name, String owner) {
			try {
				this.backend.release(name, owner);
			}
			catch (RuntimeException ex) {
				LockRegistry.this.listener.backendFailed(this.backend.name(), name,
						(ex instanceof LockBackendUnavailableException unavailable) ? unavailable
								: new LockBackendUnavailableException(ex.getMessage(), ex));
			}
		}

		boolean isHeld(String name, String owner) {
			Hold hold = this.holds.get(key(name, owner));
			if (hold == null) {
				return false;
			}
			synchronized (hold) {
				return hold.live(System.nanoTime());
			}
		}

		int holdCount(String name, String owner) {
			Hold hold = this.holds.get(key(name, owner));
			if (hold == null) {
				return 0;
			}
			synchronized (hold) {
				return hold.releasePending ? 0 : hold.count;
			}
		}

		long fencingToken(String name, String owner) {
			Hold hold = this.holds.get(key(name, owner));
			if (hold == null || holdCount(name, owner) == 0) {
				throw new LockNotHeldException(name, owner);
			}
			return hold.token;
		}

		private void renew(String key, Hold hold) {
			synchronized (hold) {
				if (hold.lostReason != null || hold.releasePending) {
					return;
				}
			}
			long renewalStart = System.nanoTime();
			try {
				if (this.backend.renew(hold.name, hold.owner, hold.lease)) {
					// The backend's new lease started no earlier than the call did.
					synchronized (hold) {
						hold.lastRenewedAt = renewalStart;
					}
				}
				else {
					markLost(key, hold, "the backend no longer holds it for this owner");
				}
			}
			catch (RuntimeException ex) {
				LockRegistry.this.listener.backendFailed(this.backend.name(), hold.name, ex);
				long sinceRenewal;
				synchronized (hold) {
					sinceRenewal = System.nanoTime() - hold.lastRenewedAt;
				}
				if (sinceRenewal >= hold.lease.toNanos()) {
					markLost(key, hold, "renewal failed for a whole lease (" + hold.lease + "): " + ex.getMessage());
				}
			}
		}

		void lostByBackend(String name, String owner, String reason) {
			String key = key(name, owner);
			Hold hold = this.holds.get(key);
			if (hold != null) {
				markLost(key, hold, reason);
			}
			else {
				long now = System.nanoTime();
				this.pendingLosses.values().removeIf((pending) -> now - pending.arrivedAt > PENDING_LOSS_MAX_AGE_NANOS);
				PendingLoss pending = new PendingLoss(reason, now);
				this.pendingLosses.put(key, pending);
				// The hold may have been recorded between the lookup above and this put.
				Hold recorded = this.holds.get(key);
				if (recorded != null && this.pendingLosses.remove(key, pending)) {
					markLost(key, recorded, reason);
				}
			}
		}

		private void markLost(String key, Hold hold, String reason) {
			synchronized (hold) {
				// A renewal racing with the owner's own release must not report a loss.
				if (hold.lostReason != null || hold.releasePending || this.holds.get(key) != hold) {
					cancelRenewal(hold);
					return;
				}
				hold.lostReason = reason;
				cancelRenewal(hold);
			}
			LockRegistry.this.listener.lost(this.backend.name(), hold.name, hold.token, reason);
		}

		private String lostReason(Hold hold) {
			if (hold.lostReason != null) {
				return hold.lostReason;
			}
			return hold.watchdog ? "it was not renewed within its lease of " + hold.lease
					: "its lease of " + hold.lease + " ran out";
		}

		private void cancelRenewal(Hold hold) {
			if (hold.renewal != null) {
				hold.renewal.cancel(false);
			}
		}

		private String key(String name, String owner) {
			return name + '\u0000' + owner;
		}

	}

	private record PendingLoss(String reason, long arrivedAt) {
	}

	/** Calls every listener; one failing listener does not stop the others or the lock operation. */
	private record CompositeListener(List<? extends LockListener> listeners) implements LockListener {

		@Override
		public void acquired(String backend, String lockName, long fencingToken, Duration waited) {
			each((l) -> l.acquired(backend, lockName, fencingToken, waited));
		}

		@Override
		public void notAcquired(String backend, String lockName, Duration waited) {
			each((l) -> l.notAcquired(backend, lockName, waited));
		}

		@Override
		public void released(String backend, String lockName, Duration held) {
			each((l) -> l.released(backend, lockName, held));
		}

		@Override
		public void lost(String backend, String lockName, long fencingToken, String reason) {
			each((l) -> l.lost(backend, lockName, fencingToken, reason));
		}

		@Override
		public void backendFailed(String backend, String lockName, RuntimeException failure) {
			each((l) -> l.backendFailed(backend, lockName, failure));
		}

		private void each(Consumer<LockListener> call) {
			for (LockListener listener : this.listeners) {
				try {
					call.accept(listener);
				}
				catch (RuntimeException ex) {
					logger.warn("Lock listener " + listener + " failed", ex);
				}
			}
		}

	}

	/**
	 * Runs {@code task} while the calling thread holds the lock {@code name} on the default backend: acquires,
	 * runs, and releases however the task ends, like Spring Integration's {@code executeLocked} and ShedLock's
	 * {@code LockingTaskExecutor}.
	 * @param name lock name
	 * @param waitTime how long to wait for the lock; zero tries once
	 * @param leaseTime lease of the hold; {@code null} or zero for a watchdog-renewed one
	 * @param task what to run under the lock
	 * @param <T> type of the result
	 * @return what the task returned
	 * @throws LockAcquisitionException if the lock was not had within {@code waitTime}, or the wait was interrupted
	 * (the interrupt flag is restored); the task did not run
	 * @throws LockBackendUnavailableException if the backend cannot be reached; the task did not run
	 * @throws LockLostException if the task returned but the hold had been lost meanwhile: what it did may have
	 * overlapped another holder's work
	 * @throws Exception what the task threw, after the release; a loss found at the release is added to it as a
	 * suppressed exception
	 */
	public <T> T executeLocked(String name, Duration waitTime, Duration leaseTime, Callable<T> task) throws Exception {
		return executeLocked(name, this.defaultBackend, waitTime, leaseTime, task);
	}

	/**
	 * Runs {@code task} while the calling thread holds the lock {@code name} on the given backend.
	 * @param name lock name
	 * @param backend backend name, one of {@link #backends()}
	 * @param waitTime how long to wait for the lock; zero tries once
	 * @param leaseTime lease of the hold; {@code null} or zero for a watchdog-renewed one
	 * @param task what to run under the lock
	 * @param <T> type of the result
	 * @return what the task returned
	 * @throws Exception what the task threw, after the release
	 * @see #executeLocked(String, Duration, Duration, Callable)
	 */
	public <T> T executeLocked(String name, String backend, Duration waitTime, Duration leaseTime, Callable<T> task)
			throws Exception {
		Assert.notNull(task, "Task must not be null");
		NamedLock lock = getLock(name, backend);
		acquireForTask(lock, waitTime, leaseTime);
		T result;
		try {
			result = task.call();
		}
		catch (Throwable ex) {
			releaseAfterFailedTask(lock, ex);
			throw ex;
		}
		lock.unlock();
		return result;
	}

	/**
	 * Runs {@code task} while the calling thread holds the lock {@code name} on the default backend.
	 * @param name lock name
	 * @param waitTime how long to wait for the lock; zero tries once
	 * @param leaseTime lease of the hold; {@code null} or zero for a watchdog-renewed one
	 * @param task what to run under the lock
	 * @see #executeLocked(String, Duration, Duration, Callable)
	 */
	public void executeLocked(String name, Duration waitTime, Duration leaseTime, Runnable task) {
		executeLocked(name, this.defaultBackend, waitTime, leaseTime, task);
	}

	/**
	 * Runs {@code task} while the calling thread holds the lock {@code name} on the given backend.
	 * @param name lock name
	 * @param backend backend name, one of {@link #backends()}
	 * @param waitTime how long to wait for the lock; zero tries once
	 * @param leaseTime lease of the hold; {@code null} or zero for a watchdog-renewed one
	 * @param task what to run under the lock
	 * @see #executeLocked(String, Duration, Duration, Callable)
	 */
	public void executeLocked(String name, String backend, Duration waitTime, Duration leaseTime, Runnable task) {
		Assert.notNull(task, "Task must not be null");
		NamedLock lock = getLock(name, backend);
		acquireForTask(lock, waitTime, leaseTime);
		try {
			task.run();
		}
		catch (RuntimeException | Error ex) {
			releaseAfterFailedTask(lock, ex);
			throw ex;
		}
		lock.unlock();
	}

	private static void acquireForTask(NamedLock lock, Duration waitTime, Duration leaseTime) {
		boolean locked;
		try {
			locked = lock.tryLock(waitTime, leaseTime);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new LockAcquisitionException(lock.name(), "Interrupted while waiting for lock '" + lock.name() + "'",
					ex);
		}
		if (!locked) {
			throw new LockAcquisitionException(lock.name(), waitTime);
		}
	}

	/** The task's own failure is what the caller needs to see; a loss found now rides along with it. */
	private static void releaseAfterFailedTask(NamedLock lock, Throwable taskFailure) {
		try {
			lock.unlock();
		}
		catch (RuntimeException ex) {
			taskFailure.addSuppressed(ex);
		}
	}

}
