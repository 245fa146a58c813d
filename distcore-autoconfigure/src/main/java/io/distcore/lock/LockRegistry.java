package io.distcore.lock;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;

import io.distcore.support.InstanceId;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.util.Assert;

/**
 * Hands out {@link NamedLock named locks} on one or more {@link LockBackend backends}, and keeps what this
 * process holds: reentry counts, leases, the watchdog that renews holds without an explicit lease, and the
 * loss of holds. One registry per application context.
 * <p>
 * Leases are judged conservatively: a hold counts as live until {@code start + lease − drift}, where
 * {@code start} is the {@link LockGrant#leaseStartedAt() start of the backend's winning attempt} (or of the
 * last successful renewal) and {@code drift = lease/100 + 2 ms}, RedLock's allowance for clocks running at
 * different rates, applied on every backend. Past that point {@link NamedLock#isHeldByCurrentOwner()} is
 * {@code false} and {@link NamedLock#unlock()} throws {@link LockLostException}, even if the backend still
 * kept the hold a moment longer.
 * <p>
 * The watchdog renews every third of the lease. Its timer thread never calls a backend: each renewal runs on
 * worker threads of its own backend and is interrupted after a quarter of the lease, so a backend that hangs
 * delays only its own holds, and a renewal that does not answer is retried at the next third.
 * <p>
 * Acquisitions and last releases of one owner on one lock are serialized in this process: threads sharing an
 * explicit owner wait for each other's backend call, then enter the resulting hold, so a hold is either
 * recorded here in full (count, lease, watchdog) or released on the backend.
 * <p>
 * Threads of this process that want one name on one remote backend queue here, first come first served: only
 * the head asks the backend, and a release passes to the next local waiter as soon as the backend has it, with a
 * new fencing token from the backend, instead of at the waiter's next poll. A backend that is a
 * {@link HandOverLockBackend} passes the hold to that waiter in one round trip; others get a release, then the
 * waiter's acquire. A waiter whose wait runs out while a hold is being passed to it still takes it (its
 * {@code tryLock} returns {@code true}, a little after its wait time), so no hold is ever passed to a thread that
 * gave up; an interrupt that comes meanwhile is kept for the caller to see. A hold whose lease ran out, or that
 * is lost, stops holding up the queue, so waits, leases and losses behave as without it. In-process backends
 * ({@link LockBackend#inProcess()}) queue their waiters themselves and get no local queue.
 */
public final class LockRegistry implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(LockRegistry.class);

	private static final long DRIFT_FLOOR_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

	/** Longest time {@link #close()} waits for the releases of the holds it ended. */
	private static final Duration CLOSE_RELEASE_WAIT = Duration.ofSeconds(5);

	/** Worker threads per backend: one renewal that ignores its interrupt still leaves one for the others. */
	private static final int BACKEND_WORKERS = 2;

	/**
	 * First part of every owner: the instance id plus a random part of this registry, so that two processes (or
	 * two contexts in one JVM) configured with the same instance id never match each other's holds, which the
	 * backends' same-owner grant after a lost reply would otherwise hand to both.
	 */
	private final String ownerPrefix;

	private final Map<String, BackendHolds> backends;

	private final String defaultBackend;

	private final Duration watchdogLease;

	private final LockListener listener;

	/** Only starts renewals and times them out; never calls a backend itself. */
	private final ScheduledExecutorService watchdog;

	/** Orders the recording of new holds against {@link #close()}, so that none slips past it. */
	private final ReadWriteLock lifecycle = new ReentrantReadWriteLock();

	private volatile boolean closed;

	/**
	 * Creates a registry.
	 * @param instanceId identity of this process, the first part of every owner (a random part of this registry
	 * follows it)
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
		this.ownerPrefix = instanceId.value() + ":"
				+ HexFormat.of().toHexDigits(new SecureRandom().nextLong()).substring(4);
		this.watchdogLease = watchdogLease;
		this.listener = new CompositeListener(List.copyOf(listeners));
		this.watchdog = Executors.newSingleThreadScheduledExecutor(daemon("distcore-lock-watchdog"));
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
	 * The lock {@code name} on the default backend, owned by whichever thread calls it.
	 * @param name lock name
	 * @return a handle on the lock, safe to share between threads
	 * @see #getLock(String, String)
	 */
	public NamedLock getLock(String name) {
		return getLock(name, this.defaultBackend);
	}

	/**
	 * The lock {@code name} on the given backend, owned by whichever thread calls it: the owner is this
	 * process's instance id plus the calling thread, resolved at every call, so one handle kept in a field
	 * excludes the threads that share it from each other like separate handles would.
	 * @param name lock name
	 * @param backend backend name, one of {@link #backends()}
	 * @return a handle on the lock, safe to share between threads
	 */
	public NamedLock getLock(String name, String backend) {
		return new NamedLock(holds(backend), checkName(name), this.ownerPrefix, null);
	}

	/**
	 * The lock {@code name} on the given backend, owned by an explicit owner instead of the calling thread: for
	 * code that acquires on one thread and releases on another. Every thread using the same owner shares its
	 * hold, as reentry.
	 * @param name lock name
	 * @param backend backend name, one of {@link #backends()}
	 * @param owner owner id, unique within this process for as long as it holds locks
	 * @return a handle on the lock
	 */
	public NamedLock getLock(String name, String backend, String owner) {
		Assert.hasText(owner, "Owner must not be empty");
		return new NamedLock(holds(backend), checkName(name), this.ownerPrefix, owner);
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
					if (hold.state == State.HELD || hold.state == State.RELEASE_FAILED) {
						result.add(new HoldInfo(backend.backend.name(), hold.name, hold.owner, hold.token, hold.count,
								Duration.ofNanos(now - hold.acquiredAt), hold.watchdog, hold.lostReason));
					}
				}
			}
		}
		result.sort(Comparator.comparing(HoldInfo::heldFor).reversed());
		return result;
	}

	/**
	 * Checks that a backend answers, without writing anything ({@link LockBackend#check()}). The check runs on
	 * the backend's own worker threads and is given up after a quarter of the watchdog lease.
	 * @param backend backend name, one of {@link #backends()}
	 * @throws LockBackendUnavailableException if the backend did not answer, or not in time
	 */
	public void check(String backend) {
		holds(backend).check();
	}

	/**
	 * Ends every hold of this process, then stops the watchdog. First each hold is marked lost, so its
	 * {@link LockListener listeners} hear of it and {@link NamedLock#isHeldByCurrentOwner()} turns
	 * {@code false} while the backend still has it (a holder still running cannot mistake its hold for a live
	 * one, and a transaction guarded by it fails its commit); then the holds are released on their backends,
	 * waiting up to 5 s in all (a lease frees what is not released by then). A holder's later
	 * {@link NamedLock#unlock()} throws {@link LockLostException}; every acquisition after this call, and one
	 * whose backend granted it during this call, fails with {@link IllegalStateException} and leaves nothing
	 * held. Calling it again does nothing.
	 */
	@Override
	public void close() {
		this.lifecycle.writeLock().lock();
		try {
			if (this.closed) {
				return;
			}
			this.closed = true;
		}
		finally {
			this.lifecycle.writeLock().unlock();
		}
		Map<BackendHolds, List<Hold>> ended = new LinkedHashMap<>();
		for (BackendHolds backend : this.backends.values()) {
			ended.put(backend, backend.endAll("the lock registry was closed while it was held"));
		}
		this.watchdog.shutdownNow();
		List<Future<?>> releases = new ArrayList<>();
		ended.forEach((backend, holds) -> holds.forEach((hold) -> releases.add(backend.releaseAtClose(hold))));
		long deadline = System.nanoTime() + CLOSE_RELEASE_WAIT.toNanos();
		for (Future<?> release : releases) {
			try {
				release.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			}
			catch (ExecutionException | TimeoutException ex) {
				// Reported by the release itself, or left to the lease.
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				break;
			}
		}
		this.backends.values().forEach((backend) -> backend.worker.shutdown());
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

	/** The margin by which this process ends a hold before its lease does. */
	private static long driftNanos(Duration lease) {
		return lease.toNanos() / 100 + DRIFT_FLOOR_NANOS;
	}

	/** How long a watchdog renewal may take: below a third of the lease, so it ends before the next one starts. */
	private static long renewalTimeoutNanos(Duration lease) {
		return Math.max(TimeUnit.MILLISECONDS.toNanos(1), lease.toNanos() / 4);
	}

	private static ThreadFactory daemon(String name) {
		return (task) -> {
			Thread thread = new Thread(task, name);
			thread.setDaemon(true);
			return thread;
		};
	}

	/**
	 * One hold as seen by {@link #holds()}.
	 *
	 * @param backend backend name
	 * @param name lock name
	 * @param owner holder
	 * @param fencingToken token of the hold
	 * @param holdCount reentry count
	 * @param heldFor time since the backend's lease began
	 * @param watchdog whether the watchdog renews it
	 * @param lostReason why it was lost, {@code null} while it is not
	 */
	public record HoldInfo(String backend, String name, String owner, long fencingToken, int holdCount,
			Duration heldFor, boolean watchdog, String lostReason) {
	}

	/** Where one owner's hold on one lock stands. */
	private enum State {

		/** One thread is asking the backend; other threads of the same owner wait for the answer. */
		ACQUIRING,

		/** Recorded: counted, judged by its lease, renewed if it has the watchdog. */
		HELD,

		/** The last level was left and one thread is releasing it on the backend; nobody may acquire meanwhile. */
		RELEASING,

		/** The release did not reach the backend; the next unlock or acquisition retries it. */
		RELEASE_FAILED,

		/** Removed from the registry; a thread that still sees it looks again. */
		ENDED

	}

	/** State of one owner's hold on one lock. Guarded by its own monitor, on which waiting threads park. */
	private static final class Hold {

		final String name;

		final String owner;

		final Duration lease;

		final boolean watchdog;

		State state = State.ACQUIRING;

		long token;

		long acquiredAt;

		/** When this process stops believing it holds the lock, unless a renewal moves it. */
		long liveUntil;

		int count;

		String lostReason;

		/** Set once {@link #close()} released it on the backend, so that the holder's unlock does not repeat it. */
		boolean releasedAtClose;

		ScheduledFuture<?> renewal;

		Future<?> renewalAttempt;

		/** A loss the backend reported while this hold was being acquired, and when it arrived. */
		String earlyLoss;

		long earlyLossAt;

		/** This hold's place in the local queue of its name; ended with the hold. */
		LocalHandOver.Turn turn;

		Hold(String name, String owner, Duration lease, boolean watchdog) {
			this.name = name;
			this.owner = owner;
			this.lease = lease;
			this.watchdog = watchdog;
		}

		/** Whether this process may still assume it holds the lock: recorded, not lost, within its lease. */
		boolean live(long now) {
			return this.state == State.HELD && this.lostReason == null && now - this.liveUntil < 0;
		}

		/** How long local waiters must still queue behind this hold; see {@link LocalHandOver}. */
		synchronized long excludesFor(long now) {
			return switch (this.state) {
				case ACQUIRING, RELEASING -> LocalHandOver.UNTIL_DONE;
				case HELD -> (this.lostReason == null) ? this.liveUntil - now : 0;
				case RELEASE_FAILED, ENDED -> 0;
			};
		}

	}

	/** What {@link BackendHolds#enter} made of an existing hold. */
	private enum Entry {

		ENTERED, LOOK_AGAIN, TIMED_OUT

	}

	/** The holds of this process on one backend. */
	final class BackendHolds {

		private final LockBackend backend;

		private final Map<String, Hold> holds = new ConcurrentHashMap<>();

		/**
		 * Only the first local waiter of a name asks the backend; a release passes straight to the next. None in
		 * front of an in-process backend, whose waiters queue in memory already.
		 */
		private final LocalHandOver handOver;

		/** Runs renewals, checks and the releases of {@link #close()}: a slow backend only ever blocks its own. */
		private final ThreadPoolExecutor worker;

		BackendHolds(LockBackend backend) {
			this.backend = backend;
			this.handOver = backend.inProcess() ? null : new LocalHandOver();
			this.worker = new ThreadPoolExecutor(BACKEND_WORKERS, BACKEND_WORKERS, 1, TimeUnit.MINUTES,
					new LinkedBlockingQueue<>(), daemon("distcore-lock-" + backend.name()));
			this.worker.allowCoreThreadTimeOut(true);
		}

		LockBackend backend() {
			return this.backend;
		}

		boolean acquire(String name, String owner, Duration waitTime, Duration leaseTime) throws InterruptedException {
			Assert.isTrue(waitTime != null && !waitTime.isNegative(), "Wait time must not be negative");
			Assert.isTrue(leaseTime == null || !leaseTime.isNegative(), "Lease time must not be negative");
			boolean watchdog = leaseTime == null || leaseTime.isZero();
			Duration lease = watchdog ? LockRegistry.this.watchdogLease : leaseTime;
			Assert.isTrue(lease.toNanos() > driftNanos(lease),
					() -> "Lease time must exceed its drift margin (lease/100 + 2 ms), was " + lease);
			if (LockRegistry.this.closed) {
				throw closed(name);
			}
			long start = System.nanoTime();
			long deadline = start + waitTime.toNanos();
			String key = key(name, owner);
			while (true) {
				Hold current = this.holds.get(key);
				if (current == null) {
					Hold placeholder = new Hold(name, owner, lease, watchdog);
					if (this.holds.putIfAbsent(key, placeholder) == null) {
						return acquireFromBackend(key, placeholder, start, deadline);
					}
					continue;
				}
				Entry entry = enter(key, current, deadline);
				if (entry == Entry.ENTERED) {
					return true;
				}
				if (entry == Entry.TIMED_OUT) {
					LockRegistry.this.listener.notAcquired(this.backend.name(), name, since(start));
					return false;
				}
			}
		}

		/**
		 * Joins a hold already in the registry. A live hold counts one more reentry. Reentering a lost hold fails
		 * and leaves it in place, so that each enclosing level's unlock() reports the loss too. A hold in
		 * transition (another thread of the same owner acquiring or releasing) is waited for; a hold whose
		 * release did not reach the backend is finished off so that a fresh one can be taken.
		 */
		private Entry enter(String key, Hold hold, long deadline) throws InterruptedException {
			String lost;
			boolean notifyLost;
			synchronized (hold) {
				if (hold.state == State.ACQUIRING || hold.state == State.RELEASING) {
					long remaining = deadline - System.nanoTime();
					if (remaining <= 0) {
						return Entry.TIMED_OUT;
					}
					TimeUnit.NANOSECONDS.timedWait(hold, remaining);
					return Entry.LOOK_AGAIN;
				}
				if (hold.state == State.ENDED) {
					return Entry.LOOK_AGAIN;
				}
				if (hold.state == State.HELD) {
					if (hold.live(System.nanoTime())) {
						hold.count++;
						return Entry.ENTERED;
					}
					cancelRenewal(hold);
					lost = lostReason(hold);
					notifyLost = hold.lostReason == null;
					hold.lostReason = lost;
				}
				else {
					hold.state = State.RELEASING;
					lost = null;
					notifyLost = false;
				}
			}
			if (lost != null) {
				if (notifyLost) {
					LockRegistry.this.listener.lost(this.backend.name(), hold.name, hold.token, lost);
				}
				throw new LockLostException(hold.name, hold.token, lost);
			}
			releaseOnBackend(key, hold);
			return Entry.LOOK_AGAIN;
		}

		/** Asks the backend for a hold the placeholder stands for; the placeholder ends unless it is recorded. */
		private boolean acquireFromBackend(String key, Hold hold, long start, long deadline)
				throws InterruptedException {
			boolean recorded = false;
			try {
				LockGrant handedOver = null;
				if (this.handOver != null) {
					LocalHandOver.Turn turn = this.handOver.await(hold.name, hold.owner, hold.lease, deadline);
					if (turn == null) {
						LockRegistry.this.listener.notAcquired(this.backend.name(), hold.name, since(start));
						return false;
					}
					synchronized (hold) {
						hold.turn = turn;
					}
					turn.excludesFor(hold::excludesFor);
					handedOver = turn.takeHandedOver();
				}
				while (true) {
					Optional<LockGrant> grant;
					try {
						// A hold passed on by the local holder needs no attempt of its own.
						grant = (handedOver != null) ? Optional.of(handedOver)
								: this.backend.acquire(hold.name, hold.owner, hold.lease,
										Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
						handedOver = null;
					}
					catch (LockBackendUnavailableException ex) {
						LockRegistry.this.listener.backendFailed(this.backend.name(), hold.name, ex);
						// The server may have applied the acquire whose reply failed (a timeout): without this the
						// lock would stay taken, by nobody the process knows of, for the whole lease.
						releaseQuietly(hold.name, hold.owner);
						throw ex;
					}
					if (grant.isEmpty()) {
						LockRegistry.this.listener.notAcquired(this.backend.name(), hold.name, since(start));
						return false;
					}
					LockGrant granted = grant.get();
					long liveUntil = granted.leaseStartedAt() + hold.lease.toNanos() - driftNanos(hold.lease);
					if (System.nanoTime() - liveUntil >= 0) {
						// Granted with less lease left than the drift margin: of no use to the caller.
						releaseQuietly(hold.name, hold.owner);
						if (deadline - System.nanoTime() > 0) {
							continue;
						}
						LockRegistry.this.listener.notAcquired(this.backend.name(), hold.name, since(start));
						return false;
					}
					if (!record(key, hold, granted, liveUntil)) {
						releaseQuietly(hold.name, hold.owner);
						throw closed(hold.name);
					}
					recorded = true;
					LockRegistry.this.listener.acquired(this.backend.name(), hold.name, granted.fencingToken(),
							since(start));
					String early;
					synchronized (hold) {
						// A loss that arrived before the winning attempt started belongs to an earlier attempt.
						early = (hold.earlyLoss != null && hold.earlyLossAt - granted.leaseStartedAt() >= 0)
								? hold.earlyLoss : null;
					}
					if (early != null) {
						markLost(key, hold, early);
					}
					return true;
				}
			}
			finally {
				if (!recorded) {
					end(key, hold);
				}
			}
		}

		/** Makes the placeholder a hold, unless the registry is closed. */
		private boolean record(String key, Hold hold, LockGrant granted, long liveUntil) {
			LockRegistry.this.lifecycle.readLock().lock();
			try {
				if (LockRegistry.this.closed) {
					return false;
				}
				synchronized (hold) {
					hold.token = granted.fencingToken();
					hold.acquiredAt = granted.leaseStartedAt();
					hold.liveUntil = liveUntil;
					hold.count = 1;
					hold.state = State.HELD;
					if (hold.watchdog) {
						long period = Math.max(1, hold.lease.toMillis() / 3);
						hold.renewal = LockRegistry.this.watchdog.scheduleWithFixedDelay(() -> startRenewal(key, hold),
								period, period, TimeUnit.MILLISECONDS);
					}
					hold.notifyAll();
				}
				return true;
			}
			finally {
				LockRegistry.this.lifecycle.readLock().unlock();
			}
		}

		void release(String name, String owner) {
			String key = key(name, owner);
			Hold hold = this.holds.get(key);
			if (hold == null) {
				throw new LockNotHeldException(name, owner);
			}
			boolean retry;
			boolean last;
			boolean releasedAtClose;
			String lost = null;
			boolean notifyLost = false;
			synchronized (hold) {
				retry = hold.state == State.RELEASE_FAILED;
				if (hold.state != State.HELD && !retry) {
					throw new LockNotHeldException(name, owner);
				}
				if (!retry && !hold.live(System.nanoTime())) {
					lost = lostReason(hold);
					notifyLost = hold.lostReason == null;
					hold.lostReason = lost;
				}
				// Every level of a lost hold learns of the loss; the last one clears it.
				last = retry || --hold.count == 0;
				if (last || lost != null) {
					cancelRenewal(hold);
				}
				if (last) {
					hold.state = State.RELEASING;
				}
				releasedAtClose = hold.releasedAtClose;
			}
			if (lost != null) {
				if (last) {
					if (!releasedAtClose) {
						releaseQuietly(name, owner);
					}
					end(key, hold);
				}
				if (notifyLost) {
					LockRegistry.this.listener.lost(this.backend.name(), name, hold.token, lost);
				}
				throw new LockLostException(name, hold.token, lost);
			}
			if (!last) {
				return;
			}
			boolean released = releaseOnBackend(key, hold);
			if (!released && !retry) {
				String reason = "the backend no longer had it at release";
				LockRegistry.this.listener.lost(this.backend.name(), name, hold.token, reason);
				throw new LockLostException(name, hold.token, reason);
			}
			LockRegistry.this.listener.released(this.backend.name(), name,
					Duration.ofNanos(System.nanoTime() - hold.acquiredAt));
		}

		/**
		 * Releases a hold in state {@link State#RELEASING} on the backend and ends it; if the backend cannot be
		 * reached the hold waits in {@link State#RELEASE_FAILED} for a retry.
		 */
		private boolean releaseOnBackend(String key, Hold hold) {
			LocalHandOver.Waiter next = claimNextWaiter(hold);
			LockGrant passed = null;
			boolean released;
			try {
				if (next != null) {
					Optional<LockGrant> grant = ((HandOverLockBackend) this.backend).handOver(hold.name, hold.owner,
							next.owner(), next.lease());
					passed = grant.orElse(null);
					released = grant.isPresent();
				}
				else {
					released = this.backend.release(hold.name, hold.owner);
				}
			}
			catch (RuntimeException ex) {
				synchronized (hold) {
					hold.state = State.RELEASE_FAILED;
					hold.notifyAll();
				}
				// The backend's lease decides from here; local waiters need not wait for a retry.
				endTurn(hold);
				if (ex instanceof LockBackendUnavailableException unavailable) {
					LockRegistry.this.listener.backendFailed(this.backend.name(), hold.name, unavailable);
				}
				throw ex;
			}
			finally {
				if (next != null) {
					// Without a hold passed on (none held any more, or the reply lost) the waiter asks the backend:
					// the backend grants an owner that already holds, so a hand-over applied unheard is found too.
					next.complete(passed);
				}
			}
			end(key, hold);
			return released;
		}

		/** The local waiter a release passes the hold to in one round trip, when the backend can do that. */
		private LocalHandOver.Waiter claimNextWaiter(Hold hold) {
			if (!(this.backend instanceof HandOverLockBackend)) {
				return null;
			}
			LocalHandOver.Turn turn;
			synchronized (hold) {
				turn = hold.turn;
			}
			return (turn != null) ? turn.claimNext() : null;
		}

		/** Removes a hold from the registry and wakes the threads of its owner waiting on it. */
		private void end(String key, Hold hold) {
			this.holds.remove(key, hold);
			synchronized (hold) {
				hold.state = State.ENDED;
				cancelRenewal(hold);
				hold.notifyAll();
			}
			endTurn(hold);
		}

		private void endTurn(Hold hold) {
			LocalHandOver.Turn turn;
			synchronized (hold) {
				turn = hold.turn;
			}
			if (turn != null) {
				turn.end();
			}
		}

		/**
		 * Frees a lost hold in case the backend still has it (a renewal that timed out may have succeeded); the
		 * SPI guarantees this never frees another owner's hold.
		 */
		private boolean releaseQuietly(String name, String owner) {
			try {
				return this.backend.release(name, owner);
			}
			catch (RuntimeException ex) {
				LockRegistry.this.listener.backendFailed(this.backend.name(), name,
						(ex instanceof LockBackendUnavailableException unavailable) ? unavailable
								: new LockBackendUnavailableException(ex.getMessage(), ex));
				return false;
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
				return (hold.state == State.HELD) ? hold.count : 0;
			}
		}

		long fencingToken(String name, String owner) {
			Hold hold = this.holds.get(key(name, owner));
			if (hold != null) {
				synchronized (hold) {
					if (hold.state == State.HELD && hold.count > 0) {
						return hold.token;
					}
				}
			}
			throw new LockNotHeldException(name, owner);
		}

		void check() {
			Future<?> check;
			try {
				check = this.worker.submit(() -> {
					this.backend.check();
					return null;
				});
			}
			catch (RejectedExecutionException ex) {
				throw new IllegalStateException("The lock registry is closed", ex);
			}
			long timeout = renewalTimeoutNanos(LockRegistry.this.watchdogLease);
			try {
				check.get(timeout, TimeUnit.NANOSECONDS);
			}
			catch (TimeoutException ex) {
				check.cancel(true);
				throw new LockBackendUnavailableException("Lock backend '" + this.backend.name()
						+ "' did not answer a check within " + Duration.ofNanos(timeout), ex);
			}
			catch (ExecutionException ex) {
				if (ex.getCause() instanceof LockBackendUnavailableException unavailable) {
					throw unavailable;
				}
				throw new LockBackendUnavailableException(
						"Lock backend '" + this.backend.name() + "' failed its check: " + ex.getCause(), ex.getCause());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				check.cancel(true);
				throw new LockBackendUnavailableException(
						"Interrupted while checking lock backend '" + this.backend.name() + "'", ex);
			}
		}

		/**
		 * Runs on the watchdog thread: hands a renewal to this backend's workers unless the previous one is still
		 * running, and has it interrupted once its time is up. A hold whose lease ran out meanwhile is lost.
		 */
		private void startRenewal(String key, Hold hold) {
			Future<?> attempt;
			synchronized (hold) {
				if (hold.state != State.HELD || hold.lostReason != null) {
					return;
				}
				if (!hold.live(System.nanoTime())) {
					attempt = null;
				}
				else if (hold.renewalAttempt != null && !hold.renewalAttempt.isDone()) {
					return;
				}
				else {
					try {
						attempt = this.worker.submit(() -> renew(key, hold));
					}
					catch (RejectedExecutionException ex) {
						return;
					}
					hold.renewalAttempt = attempt;
				}
			}
			if (attempt == null) {
				markLost(key, hold, "it was not renewed within its lease of " + hold.lease);
				return;
			}
			long timeout = renewalTimeoutNanos(hold.lease);
			try {
				LockRegistry.this.watchdog.schedule(() -> timeOut(hold, attempt, timeout), timeout, TimeUnit.NANOSECONDS);
			}
			catch (RejectedExecutionException ex) {
				// Closing: the hold is being ended anyway.
			}
		}

		private void timeOut(Hold hold, Future<?> attempt, long timeout) {
			if (attempt.cancel(true)) {
				LockRegistry.this.listener.backendFailed(this.backend.name(), hold.name,
						new LockBackendUnavailableException("Renewal of lock '" + hold.name + "' on backend '"
								+ this.backend.name() + "' did not answer within " + Duration.ofNanos(timeout)));
			}
		}

		/** Runs on a worker of this backend. */
		private void renew(String key, Hold hold) {
			synchronized (hold) {
				if (hold.state != State.HELD || hold.lostReason != null) {
					return;
				}
			}
			long renewalStart = System.nanoTime();
			boolean renewed;
			try {
				renewed = this.backend.renew(hold.name, hold.owner, hold.lease);
			}
			catch (RuntimeException ex) {
				// An interrupted renewal was timed out, and reported so, by the watchdog.
				if (!Thread.currentThread().isInterrupted()) {
					LockRegistry.this.listener.backendFailed(this.backend.name(), hold.name, ex);
				}
				boolean expired;
				synchronized (hold) {
					expired = !hold.live(System.nanoTime());
				}
				if (expired) {
					markLost(key, hold, "renewal failed until its lease of " + hold.lease + " ran out: " + ex.getMessage());
				}
				return;
			}
			if (!renewed) {
				markLost(key, hold, "the backend no longer holds it for this owner");
				return;
			}
			boolean late;
			synchronized (hold) {
				late = !hold.live(System.nanoTime());
				// The backend's new lease started no earlier than the call did.
				long renewedUntil = renewalStart + hold.lease.toNanos() - driftNanos(hold.lease);
				if (!late && renewedUntil - hold.liveUntil > 0) {
					hold.liveUntil = renewedUntil;
				}
			}
			if (late) {
				// A hold this process already judged expired does not come back to life.
				markLost(key, hold, "its renewal was confirmed only after its lease of " + hold.lease + " ran out");
			}
		}

		void lostByBackend(String name, String owner, String reason) {
			String key = key(name, owner);
			Hold hold = this.holds.get(key);
			if (hold == null) {
				return;
			}
			synchronized (hold) {
				if (hold.state == State.ACQUIRING) {
					hold.earlyLoss = reason;
					hold.earlyLossAt = System.nanoTime();
					return;
				}
			}
			markLost(key, hold, reason);
		}

		/**
		 * Marks a recorded hold lost and tells the listeners, unless it is lost already or its owner is releasing
		 * it (a renewal racing with the owner's own release must not report a loss).
		 */
		private boolean markLost(String key, Hold hold, String reason) {
			synchronized (hold) {
				if (hold.state != State.HELD || hold.lostReason != null || this.holds.get(key) != hold) {
					return false;
				}
				hold.lostReason = reason;
				cancelRenewal(hold);
			}
			LockRegistry.this.listener.lost(this.backend.name(), hold.name, hold.token, reason);
			return true;
		}

		/** Marks every recorded hold lost (unless it is already) and returns them all, for their release. */
		List<Hold> endAll(String reason) {
			List<Hold> ended = new ArrayList<>();
			this.holds.forEach((key, hold) -> {
				markLost(key, hold, reason);
				synchronized (hold) {
					if (hold.state == State.HELD) {
						ended.add(hold);
					}
				}
			});
			return ended;
		}

		Future<?> releaseAtClose(Hold hold) {
			try {
				return this.worker.submit(() -> {
					releaseQuietly(hold.name, hold.owner);
					synchronized (hold) {
						hold.releasedAtClose = true;
					}
				});
			}
			catch (RejectedExecutionException ex) {
				return CompletableFuture.completedFuture(null);
			}
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

	private static IllegalStateException closed(String name) {
		return new IllegalStateException("The lock registry is closed: lock '" + name + "' cannot be acquired");
	}

	private static Duration since(long start) {
		return Duration.ofNanos(System.nanoTime() - start);
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
