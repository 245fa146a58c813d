package io.distcore.lock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.distcore.support.InstanceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The contract every {@link LockBackend} passes unchanged. A subclass supplies the backend; each call of
 * {@link #newBackend()} stands for another process, with its own connections and its own instance id.
 */
public abstract class AbstractLockBackendContractTests {

	/** Far above any wait in this suite: reaching it means something hung. */
	private static final Duration HANG = Duration.ofSeconds(20);

	private final List<LockRegistry> registries = new CopyOnWriteArrayList<>();

	private final List<LockBackend> backends = new CopyOnWriteArrayList<>();

	private final Map<LockRegistry, LockBackend> backendOfProcess = new ConcurrentHashMap<>();

	protected final CapturingListener events = new CapturingListener();

	/**
	 * A new, independent client of the backend under test.
	 * @return the backend
	 */
	protected abstract LockBackend newBackend();

	/**
	 * Closes what {@link #newBackend()} opened.
	 * @param backend a backend this suite created
	 */
	protected void close(LockBackend backend) {
	}

	/**
	 * Lease used where the suite waits for one to run out; backends with coarse clocks may raise it.
	 * @return a short lease
	 */
	protected Duration shortLease() {
		return Duration.ofMillis(600);
	}

	@AfterEach
	void closeAll() {
		this.registries.forEach(LockRegistry::close);
		this.backends.forEach(this::close);
	}

	/**
	 * A registry on a fresh backend client, as another process would have it.
	 * @param watchdogLease lease of watchdog-renewed holds
	 * @return the registry
	 */
	protected LockRegistry newProcess(Duration watchdogLease) {
		return newProcess(watchdogLease, this.events);
	}

	private LockRegistry newProcess(Duration watchdogLease, LockListener listener) {
		return newProcess(InstanceId.generate(), watchdogLease, listener);
	}

	private LockRegistry newProcess(InstanceId instanceId, Duration watchdogLease, LockListener listener) {
		LockBackend backend = newBackend();
		this.backends.add(backend);
		LockRegistry registry = new LockRegistry(instanceId, List.of(backend), backend.name(), watchdogLease,
				List.of(listener));
		this.registries.add(registry);
		this.backendOfProcess.put(registry, backend);
		return registry;
	}

	protected LockRegistry newProcess() {
		return newProcess(Duration.ofSeconds(30));
	}

	protected static String uniqueName(String what) {
		return "contract-" + what + "-" + UUID.randomUUID();
	}

	@Test
	void mutualExclusionAcrossProcessesAndThreads() throws Exception {
		String name = uniqueName("mutex");
		LockRegistry first = newProcess();
		LockRegistry second = newProcess();
		AtomicInteger inside = new AtomicInteger();
		AtomicInteger maxInside = new AtomicInteger();
		int[] counter = new int[1];
		int perThread = 15;
		onThreads(8, (thread) -> {
			LockRegistry registry = (thread % 2 == 0) ? first : second;
			for (int i = 0; i < perThread; i++) {
				NamedLock lock = registry.getLock(name);
				assertThat(lock.tryLock(HANG, Duration.ofSeconds(10))).isTrue();
				try {
					maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
					int read = counter[0];
					Thread.yield();
					counter[0] = read + 1;
					inside.decrementAndGet();
				}
				finally {
					lock.unlock();
				}
			}
		});
		assertThat(maxInside.get()).isEqualTo(1);
		assertThat(counter[0]).isEqualTo(8 * perThread);
	}

	@Test
	void waitTimeIsHonouredWhileAnotherOwnerHolds() throws Exception {
		String name = uniqueName("wait");
		NamedLock holder = newProcess().getLock(name);
		assertThat(holder.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
		NamedLock waiter = newProcess().getLock(name);

		assertThat(waiter.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isFalse();
		long start = System.nanoTime();
		assertThat(waiter.tryLock(Duration.ofMillis(700), Duration.ofSeconds(30))).isFalse();
		Duration waited = Duration.ofNanos(System.nanoTime() - start);
		assertThat(waited).isGreaterThanOrEqualTo(Duration.ofMillis(650)).isLessThan(HANG);
		holder.unlock();
	}

	@Test
	void aWaiterGetsTheLockWhenTheHolderReleases() throws Exception {
		String name = uniqueName("handover");
		NamedLock holder = newProcess().getLock(name);
		assertThat(holder.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
		LockRegistry other = newProcess();
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			CountDownLatch waiting = new CountDownLatch(1);
			Future<Boolean> waiter = pool.submit(() -> {
				waiting.countDown();
				NamedLock lock = other.getLock(name);
				boolean acquired = lock.tryLock(HANG, Duration.ofSeconds(30));
				lock.unlock();
				return acquired;
			});
			waiting.await();
			Thread.sleep(200);
			holder.unlock();
			assertThat(waiter.get(HANG.toSeconds(), TimeUnit.SECONDS)).isTrue();
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void leaseExpiryFreesAHolderThatNeverReleases() throws Exception {
		String name = uniqueName("lease");
		NamedLock dead = newProcess().getLock(name);
		assertThat(dead.tryLock(Duration.ZERO, shortLease())).isTrue();
		long deadToken = dead.fencingToken();

		NamedLock next = newProcess().getLock(name);
		long start = System.nanoTime();
		assertThat(next.tryLock(HANG, Duration.ofSeconds(30))).isTrue();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(HANG);
		assertThat(next.fencingToken()).isGreaterThan(deadToken);
		assertThat(dead.isHeldByCurrentOwner()).isFalse();
		next.unlock();
	}

	@Test
	void watchdogKeepsALiveHolderPastSeveralLeases() throws Exception {
		String name = uniqueName("watchdog");
		Duration lease = shortLease();
		NamedLock holder = newProcess(lease).getLock(name);
		assertThat(holder.tryLock(Duration.ZERO)).isTrue();
		Thread.sleep(lease.toMillis() * 4);

		NamedLock other = newProcess().getLock(name);
		assertThat(other.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isFalse();
		assertThat(holder.isHeldByCurrentOwner()).isTrue();
		holder.unlock();
		assertThat(other.tryLock(HANG, Duration.ofSeconds(30))).isTrue();
		other.unlock();
		assertThat(this.events.lost).isEmpty();
	}

	@Test
	void reentryIsCountedAndOnlyTheLastUnlockReleases() throws Exception {
		String name = uniqueName("reentry");
		NamedLock lock = newProcess().getLock(name);
		assertThat(lock.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
		long token = lock.fencingToken();
		assertThat(lock.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
		assertThat(lock.tryLock(Duration.ZERO)).isTrue();
		assertThat(lock.holdCount()).isEqualTo(3);
		assertThat(lock.fencingToken()).isEqualTo(token);

		NamedLock other = newProcess().getLock(name);
		lock.unlock();
		lock.unlock();
		assertThat(lock.holdCount()).isEqualTo(1);
		assertThat(other.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isFalse();
		lock.unlock();
		assertThat(lock.holdCount()).isZero();
		assertThat(other.tryLock(HANG, Duration.ofSeconds(30))).isTrue();
		other.unlock();
	}

	@Test
	void anotherOwnerCannotUnlock() throws Exception {
		String name = uniqueName("owner");
		LockRegistry registry = newProcess();
		NamedLock lock = registry.getLock(name);
		assertThat(lock.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();

		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			Future<?> otherThread = pool.submit(() -> registry.getLock(name).unlock());
			assertThatExceptionOfType(ExecutionException.class)
				.isThrownBy(() -> otherThread.get(HANG.toSeconds(), TimeUnit.SECONDS))
				.withCauseInstanceOf(LockNotHeldException.class);
		}
		finally {
			pool.shutdownNow();
		}
		assertThatExceptionOfType(LockNotHeldException.class).isThrownBy(() -> newProcess().getLock(name).unlock());
		assertThat(lock.isHeldByCurrentOwner()).isTrue();
		assertThat(newProcess().getLock(name).tryLock(Duration.ZERO, Duration.ofSeconds(30))).isFalse();
		lock.unlock();
	}

	@Test
	void anExplicitOwnerMayLockOnOneThreadAndUnlockOnAnother() throws Exception {
		String name = uniqueName("explicit-owner");
		LockRegistry registry = newProcess();
		String backend = registry.defaultBackend();
		assertThat(registry.getLock(name, backend, "job-1").tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			pool.submit(() -> registry.getLock(name, backend, "job-1").unlock()).get(HANG.toSeconds(), TimeUnit.SECONDS);
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(registry.getLock(name, backend, "job-1").isHeldByCurrentOwner()).isFalse();
		NamedLock next = newProcess().getLock(name);
		assertThat(next.tryLock(HANG, Duration.ofSeconds(30))).isTrue();
		next.unlock();
	}

	@Test
	void fencingTokensStrictlyIncreaseAcrossHoldsAndProcesses() throws Exception {
		String name = uniqueName("token");
		List<LockRegistry> processes = List.of(newProcess(), newProcess());
		long previous = 0;
		for (int i = 0; i < 12; i++) {
			NamedLock lock = processes.get(i % 2).getLock(name);
			assertThat(lock.tryLock(HANG, Duration.ofSeconds(30))).isTrue();
			long token = lock.fencingToken();
			assertThat(token).isGreaterThan(previous);
			previous = token;
			lock.unlock();
		}
	}

	@Test
	void handOversAmongLocalThreadsKeepTokensStrictlyIncreasingAndExclusion() throws Exception {
		String name = uniqueName("hand-over");
		LockRegistry registry = newProcess();
		AtomicInteger inside = new AtomicInteger();
		AtomicInteger maxInside = new AtomicInteger();
		List<Long> tokens = new ArrayList<>();
		int perThread = 10;
		onThreads(8, (thread) -> {
			for (int i = 0; i < perThread; i++) {
				NamedLock lock = registry.getLock(name);
				assertThat(lock.tryLock(HANG, Duration.ofSeconds(10))).isTrue();
				try {
					maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
					// Unsynchronized on purpose: only the lock keeps two threads from appending at once.
					tokens.add(lock.fencingToken());
					Thread.yield();
					inside.decrementAndGet();
				}
				finally {
					lock.unlock();
				}
			}
		});
		assertThat(maxInside.get()).isEqualTo(1);
		assertThat(tokens).hasSize(8 * perThread).isSortedAccordingTo(Long::compare).doesNotHaveDuplicates();
	}

	@Test
	void handOversAcrossThreadsAndProcessesPassATokenOracleAndExclusion() throws Exception {
		String name = uniqueName("oracle");
		List<LockRegistry> processes = List.of(newProcess(), newProcess());
		TokenOracle oracle = new TokenOracle();
		AtomicInteger inside = new AtomicInteger();
		AtomicInteger maxInside = new AtomicInteger();
		int perThread = 12;
		onThreads(8, (thread) -> {
			NamedLock lock = processes.get(thread % 2).getLock(name);
			for (int i = 0; i < perThread; i++) {
				assertThat(lock.tryLock(HANG, Duration.ofSeconds(10))).isTrue();
				try {
					maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
					oracle.write(lock.fencingToken());
					Thread.yield();
					inside.decrementAndGet();
				}
				finally {
					lock.unlock();
				}
			}
		});
		assertThat(maxInside.get()).isEqualTo(1);
		assertThat(oracle.refused).isEmpty();
		assertThat(oracle.accepted).hasValue(8 * perThread);
	}

	@Test
	void aHandOverToAWaiterWhoseWaitRunsOutLeavesTheLockWithAHolderThatKnowsIt() throws Exception {
		String name = uniqueName("hand-over-timeout");
		LockRegistry registry = newProcess();
		LockRegistry other = newProcess();
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			for (int round = 0; round < 30; round++) {
				NamedLock holder = registry.getLock(name);
				assertThat(holder.tryLock(HANG, Duration.ofSeconds(30))).isTrue();
				Duration wait = Duration.ofMillis(20);
				Future<Boolean> waiter = startWaiter(pool, () -> {
					NamedLock lock = registry.getLock(name);
					if (!lock.tryLock(wait, Duration.ofSeconds(30))) {
						return false;
					}
					// A waiter told it holds must hold, and release cleanly.
					assertThat(lock.isHeldByCurrentOwner()).isTrue();
					lock.unlock();
					return true;
				});
				// Around the waiter's deadline, so that some releases meet a waiter that is just giving up.
				TimeUnit.MICROSECONDS.sleep(15_000 + ThreadLocalRandom.current().nextLong(10_000));
				holder.unlock();
				waiter.get(HANG.toSeconds(), TimeUnit.SECONDS);
				// Whoever had it released it: another process gets it at once.
				NamedLock elsewhere = other.getLock(name);
				assertThat(elsewhere.tryLock(Duration.ZERO, Duration.ofSeconds(30))).as("round %d", round).isTrue();
				elsewhere.unlock();
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(this.events.lost).isEmpty();
	}

	@Test
	void aHandOverPassesOnlyAHoldTheOwnerStillHasWithAGreaterToken() throws Exception {
		LockBackend backend = newBackend();
		this.backends.add(backend);
		assumeTrue(backend instanceof HandOverLockBackend, "the backend cannot hand over");
		HandOverLockBackend handOver = (HandOverLockBackend) backend;
		String name = uniqueName("spi-hand-over");
		Duration lease = Duration.ofSeconds(30);
		long first = backend.acquire(name, "first", lease, Duration.ZERO).orElseThrow().fencingToken();
		long second = handOver.handOver(name, "first", "second", lease).orElseThrow().fencingToken();
		assertThat(second).isGreaterThan(first);
		assertThat(backend.acquire(name, "third", lease, Duration.ZERO)).isEmpty();
		assertThat(handOver.handOver(name, "first", "third", lease)).isEmpty();
		assertThat(backend.release(name, "first")).isFalse();
		assertThat(backend.renew(name, "second", lease)).isTrue();
		assertThat(backend.release(name, "second")).isTrue();
		assertThat(handOver.handOver(name, "second", "third", lease)).isEmpty();
		long third = backend.acquire(name, "third", lease, Duration.ZERO).orElseThrow().fencingToken();
		assertThat(third).isGreaterThan(second);
		assertThat(backend.release(name, "third")).isTrue();
	}

	@Test
	void aLocalHolderThatNeverReleasesHoldsUpLocalWaitersOnlyForItsLease() throws Exception {
		String name = uniqueName("local-lease");
		LockRegistry registry = newProcess();
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			long deadToken = pool.submit(() -> {
				NamedLock dead = registry.getLock(name);
				assertThat(dead.tryLock(Duration.ZERO, shortLease())).isTrue();
				return dead.fencingToken();
			}).get(HANG.toSeconds(), TimeUnit.SECONDS);
			NamedLock next = registry.getLock(name);
			assertThat(next.tryLock(HANG, Duration.ofSeconds(30))).isTrue();
			assertThat(next.fencingToken()).isGreaterThan(deadToken);
			next.unlock();
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void unlockAfterTheLeaseRanOutRaisesLockLost() throws Exception {
		String name = uniqueName("expired");
		NamedLock lock = newProcess().getLock(name);
		assertThat(lock.tryLock(Duration.ZERO, shortLease())).isTrue();
		long token = lock.fencingToken();
		Thread.sleep(shortLease().toMillis() * 3);
		assertThat(lock.isHeldByCurrentOwner()).isFalse();
		assertThatExceptionOfType(LockLostException.class).isThrownBy(lock::unlock)
			.satisfies((ex) -> assertThat(ex.getFencingToken()).isEqualTo(token));
		assertThat(lock.holdCount()).isZero();
	}

	@Test
	void everyLevelOfALostReentrantHoldLearnsOfTheLoss() throws Exception {
		String name = uniqueName("lost-reentry");
		NamedLock lock = newProcess().getLock(name);
		assertThat(lock.tryLock(Duration.ZERO, shortLease())).isTrue();
		assertThat(lock.tryLock(Duration.ZERO, shortLease())).isTrue();
		Thread.sleep(shortLease().toMillis() * 3);
		assertThatExceptionOfType(LockLostException.class).isThrownBy(() -> lock.tryLock(Duration.ZERO, shortLease()));
		assertThatExceptionOfType(LockLostException.class).isThrownBy(lock::unlock);
		assertThatExceptionOfType(LockLostException.class).isThrownBy(lock::unlock);
		assertThat(lock.holdCount()).isZero();
		assertThatExceptionOfType(LockNotHeldException.class).isThrownBy(lock::unlock);
		NamedLock next = newProcess().getLock(name);
		assertThat(next.tryLock(HANG, Duration.ofSeconds(30))).isTrue();
		next.unlock();
	}

	@Test
	void aSecondUnlockNeverFreesTheNextHolder() throws Exception {
		String name = uniqueName("double-unlock");
		NamedLock first = newProcess().getLock(name);
		assertThat(first.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
		first.unlock();
		NamedLock second = newProcess().getLock(name);
		assertThat(second.tryLock(HANG, Duration.ofSeconds(30))).isTrue();
		assertThatExceptionOfType(LockNotHeldException.class).isThrownBy(first::unlock);
		assertThat(newProcess().getLock(name).tryLock(Duration.ZERO, Duration.ofSeconds(30))).isFalse();
		second.unlock();
	}

	@Test
	void aHandleKeptInAFieldExcludesTheThreadsThatShareIt() throws Exception {
		String name = uniqueName("shared-handle");
		// The common pattern: one handle in a field, used by every request thread.
		NamedLock shared = newProcess().getLock(name);
		ExecutorService otherThread = Executors.newSingleThreadExecutor();
		try {
			assertThat(otherThread.submit(() -> shared.tryLock(Duration.ZERO, Duration.ofSeconds(30))).get()).isTrue();
			assertThat(shared.isHeldByCurrentOwner()).isFalse();
			assertThat(shared.holdCount()).isZero();
			assertThat(shared.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isFalse();
			assertThatExceptionOfType(LockNotHeldException.class).isThrownBy(shared::unlock);
			otherThread.submit(shared::unlock).get();
		}
		finally {
			otherThread.shutdownNow();
		}
		AtomicInteger inside = new AtomicInteger();
		AtomicInteger maxInside = new AtomicInteger();
		List<Long> tokensInHoldOrder = Collections.synchronizedList(new ArrayList<>());
		int threads = 8;
		int perThread = 10;
		onThreads(threads, (thread) -> {
			for (int i = 0; i < perThread; i++) {
				assertThat(shared.tryLock(HANG, Duration.ofSeconds(30))).isTrue();
				try {
					maxInside.accumulateAndGet(inside.incrementAndGet(), Math::max);
					assertThat(shared.holdCount()).isEqualTo(1);
					tokensInHoldOrder.add(shared.fencingToken());
					Thread.yield();
					inside.decrementAndGet();
				}
				finally {
					shared.unlock();
				}
				// Arrive while another thread holds, as requests do, not only right after a release.
				Thread.sleep(ThreadLocalRandom.current().nextInt(3));
			}
		});
		assertThat(maxInside.get()).isEqualTo(1);
		// One new hold, with a new token, per entry: none of the threads entered another's hold.
		assertThat(tokensInHoldOrder).hasSize(threads * perThread)
			.doesNotHaveDuplicates()
			.isSortedAccordingTo(Comparator.naturalOrder());
	}

	@Test
	void aReleasedLockIsFreeAtOnceForAnotherProcess() throws Exception {
		// A release followed at once by another owner's single attempt: on PostgreSQL a released row used to look
		// held for up to 0.5 ms, because its expiry was stored rounded to the nearest millisecond.
		String name = uniqueName("free-at-once");
		LockRegistry first = newProcess();
		LockRegistry second = newProcess();
		for (int round = 0; round < 100; round++) {
			LockRegistry holder = (round % 2 == 0) ? first : second;
			LockRegistry next = (round % 2 == 0) ? second : first;
			NamedLock held = holder.getLock(name);
			assertThat(held.tryLock(HANG, Duration.ofSeconds(30))).isTrue();
			held.unlock();
			NamedLock taken = next.getLock(name);
			assertThat(taken.tryLock(Duration.ZERO, Duration.ofSeconds(30))).as("round %d", round).isTrue();
			taken.unlock();
		}
	}

	@Test
	void theSameExplicitOwnerOnTwoThreadsAtOnceHoldsOnceAndReleasesOnce() throws Exception {
		String name = uniqueName("explicit-race");
		LockRegistry registry = newProcess();
		String backend = registry.defaultBackend();
		LockRegistry other = newProcess();
		ExecutorService pool = Executors.newFixedThreadPool(2);
		try {
			for (int round = 0; round < 5; round++) {
				List<Boolean> acquired = onTwoThreadsAtOnce(pool,
						() -> registry.getLock(name, backend, "job").tryLock(HANG, Duration.ofSeconds(30)));
				assertThat(acquired).containsExactly(true, true);
				NamedLock job = registry.getLock(name, backend, "job");
				assertThat(job.holdCount()).isEqualTo(2);
				assertThat(registry.holds()).singleElement().satisfies((hold) -> assertThat(hold.holdCount()).isEqualTo(2));
				assertThat(other.getLock(name).tryLock(Duration.ZERO, Duration.ofSeconds(30))).isFalse();
				onTwoThreadsAtOnce(pool, () -> {
					registry.getLock(name, backend, "job").unlock();
					return true;
				});
				assertThat(job.holdCount()).isZero();
				assertThat(registry.holds()).isEmpty();
			}
			// Nothing was left behind on the backend: the lock is free at once.
			NamedLock next = other.getLock(name);
			assertThat(next.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
			next.unlock();
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void threadsSharingAnExplicitOwnerNeverLeaveAHoldUnrecorded() throws Exception {
		String name = uniqueName("explicit-churn");
		LockRegistry registry = newProcess();
		String backend = registry.defaultBackend();
		onThreads(4, (thread) -> {
			for (int i = 0; i < 15; i++) {
				NamedLock lock = registry.getLock(name, backend, "worker");
				assertThat(lock.tryLock(HANG, Duration.ofSeconds(30))).isTrue();
				assertThat(lock.isHeldByCurrentOwner()).isTrue();
				lock.unlock();
			}
		});
		assertThat(registry.holds()).isEmpty();
		NamedLock next = newProcess().getLock(name);
		assertThat(next.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
		next.unlock();
		assertThat(this.events.lost).isEmpty();
	}

	@Test
	void aHoldTakenAfterWaitingLongerThanItsLeaseIsLiveAndReleasesCleanly() throws Exception {
		String name = uniqueName("long-wait");
		NamedLock holder = newProcess().getLock(name);
		assertThat(holder.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
		LockRegistry waiterProcess = newProcess();
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			Future<Boolean> waiter = startWaiter(pool, () -> {
				NamedLock lock = waiterProcess.getLock(name);
				boolean acquired = lock.tryLock(Duration.ofSeconds(10), Duration.ofMillis(500));
				boolean held = lock.isHeldByCurrentOwner();
				lock.unlock();
				return acquired && held;
			});
			// Twice the waiter's lease: counted from the start of its wait, its hold would be over on arrival.
			Thread.sleep(1_000);
			holder.unlock();
			assertThat(waiter.get(HANG.toSeconds(), TimeUnit.SECONDS)).isTrue();
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(this.events.lost).isEmpty();
	}

	@Test
	void twoProcessesWithTheSameConfiguredInstanceIdAreNotBothGrantedTheLock() throws Exception {
		// distcore.instance-id=orders in a shared application.yml: every pod has the same id, and the backends
		// grant an acquire by the owner that holds the lock already (a lost reply).
		InstanceId shared = new InstanceId("orders");
		LockRegistry podA = newProcess(shared, Duration.ofSeconds(30), this.events);
		LockRegistry podB = newProcess(shared, Duration.ofSeconds(30), this.events);
		String name = uniqueName("same-instance-id");
		assertThat(podA.getLock(name).tryLock(Duration.ZERO, Duration.ofSeconds(10))).isTrue();
		assertThat(podB.getLock(name).tryLock(Duration.ZERO, Duration.ofSeconds(10)))
			.as("a second pod with the same instance id entered").isFalse();
		assertThat(podA.getLock(name, podA.defaultBackend(), "job").tryLock(Duration.ZERO, Duration.ofSeconds(10)))
			.isFalse();
		assertThat(podB.getLock(name + "-job", podB.defaultBackend(), "job").tryLock(Duration.ZERO, null)).isTrue();
		assertThat(podA.getLock(name + "-job", podA.defaultBackend(), "job").tryLock(Duration.ZERO, null))
			.as("the same explicit owner in a second pod with the same instance id entered").isFalse();
	}

	@Test
	void anExplicitOwnerNamedLikeAThreadDoesNotShareThatThreadsHold() throws Exception {
		LockRegistry process = newProcess();
		String name = uniqueName("owner-like-thread");
		NamedLock mine = process.getLock(name);
		assertThat(mine.tryLock(Duration.ZERO, Duration.ofSeconds(10))).isTrue();
		String threadPart = mine.owner().substring(mine.owner().lastIndexOf(':') + 1);
		for (String ownerLikeMine : new String[] { "thread-" + Thread.currentThread().getId(), "t:" + threadPart }) {
			NamedLock job = process.getLock(name, process.defaultBackend(), ownerLikeMine);
			assertThat(job.tryLock(Duration.ZERO, Duration.ofSeconds(10)))
				.as("a job with owner '" + ownerLikeMine + "' entered while this thread holds the lock").isFalse();
		}
		mine.unlock();
	}

	@Test
	void unlockOfAHoldTheBackendLostRaisesLockLost() throws Exception {
		for (Duration lease : new Duration[] { Duration.ofSeconds(30), null }) {
			String name = uniqueName("backend-lost");
			LockRegistry process = newProcess();
			NamedLock lock = process.getLock(name);
			assertThat(lock.tryLock(Duration.ZERO, lease)).isTrue();
			long token = lock.fencingToken();
			// The backend loses the hold behind the registry's back, as after a failover.
			assertThat(this.backendOfProcess.get(process).release(name, lock.owner())).isTrue();
			assertThatExceptionOfType(LockLostException.class).isThrownBy(lock::unlock)
				.satisfies((ex) -> assertThat(ex.getFencingToken()).isEqualTo(token));
			assertThat(lock.holdCount()).isZero();
			assertThat(this.events.lost).anyMatch((lost) -> lost.startsWith(name));
		}
	}

	@Test
	void closingTheRegistryWhileAThreadHoldsTellsTheHolderFirstThenFreesTheLock() throws Exception {
		String name = uniqueName("close");
		LockRegistry other = newProcess();
		List<Boolean> othersGotItWhileTheLossWasReported = new CopyOnWriteArrayList<>();
		LockRegistry closing = newProcess(Duration.ofSeconds(30), new LockListener() {

			@Override
			public void lost(String backend, String lockName, long fencingToken, String reason) {
				othersGotItWhileTheLossWasReported.add(tryOnce(other, lockName));
			}

		});
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			HoldingThread holder = HoldingThread.start(pool, () -> closing.getLock(name));
			closing.close();
			// The holder was told while the backend still had its hold: nobody could have taken over yet.
			assertThat(othersGotItWhileTheLossWasReported).containsExactly(false);
			assertThat(holder.finish()).isInstanceOf(LockLostException.class);
		}
		finally {
			pool.shutdownNow();
		}
		// Freed by the close, well before its lease of 30 s would have freed it.
		NamedLock next = other.getLock(name);
		assertThat(next.tryLock(Duration.ofSeconds(10), Duration.ofSeconds(30))).isTrue();
		next.unlock();
		String after = uniqueName("after-close");
		assertThatIllegalStateException().isThrownBy(() -> closing.getLock(after).tryLock(Duration.ZERO))
			.withMessageContaining("closed");
		assertThat(tryOnce(other, after)).isTrue();
	}

	@Test
	void anAcquisitionThatSucceedsAfterCloseFailsAndLeavesNoHold() throws Exception {
		String name = uniqueName("close-while-waiting");
		NamedLock holder = newProcess().getLock(name);
		assertThat(holder.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
		LockRegistry closing = newProcess();
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			Future<Boolean> waiter = startWaiter(pool, () -> closing.getLock(name).tryLock(HANG, Duration.ofSeconds(30)));
			Thread.sleep(300);
			closing.close();
			holder.unlock();
			assertThatExceptionOfType(ExecutionException.class)
				.isThrownBy(() -> waiter.get(HANG.toSeconds(), TimeUnit.SECONDS))
				.withCauseInstanceOf(IllegalStateException.class)
				.withMessageContaining("closed");
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(tryOnce(newProcess(), name)).isTrue();
	}

	private static boolean tryOnce(LockRegistry registry, String name) {
		NamedLock lock = registry.getLock(name);
		try {
			if (!lock.tryLock(Duration.ZERO, Duration.ofSeconds(30))) {
				return false;
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		lock.unlock();
		return true;
	}

	/** Runs {@code work} on that many threads at once; fails if any of them failed or hung. */
	private static void onThreads(int threads, ThreadWork work) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			List<Future<?>> workers = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				int thread = t;
				workers.add(pool.submit(() -> {
					work.run(thread);
					return null;
				}));
			}
			for (Future<?> worker : workers) {
				worker.get(2, TimeUnit.MINUTES);
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	/** Starts {@code waiter} on the pool and returns once it is about to wait. */
	private static <T> Future<T> startWaiter(ExecutorService pool, Callable<T> waiter) throws InterruptedException {
		CountDownLatch started = new CountDownLatch(1);
		Future<T> result = pool.submit(() -> {
			started.countDown();
			return waiter.call();
		});
		started.await();
		return result;
	}

	/** Runs {@code action} on two threads released by one barrier, and returns both results. */
	private static <T> List<T> onTwoThreadsAtOnce(ExecutorService pool, Callable<T> action)
			throws Exception {
		CyclicBarrier start = new CyclicBarrier(2);
		List<Future<T>> calls = new ArrayList<>();
		for (int i = 0; i < 2; i++) {
			calls.add(pool.submit(() -> {
				start.await();
				return action.call();
			}));
		}
		List<T> results = new ArrayList<>();
		for (Future<T> call : calls) {
			results.add(call.get(2 * HANG.toSeconds(), TimeUnit.SECONDS));
		}
		return results;
	}

	/** A table the critical sections write to, which refuses a fencing token not greater than the last one. */
	private static final class TokenOracle {

		private long last;

		final AtomicInteger accepted = new AtomicInteger();

		final List<String> refused = new CopyOnWriteArrayList<>();

		synchronized void write(long token) {
			if (token <= this.last) {
				this.refused.add(token + " after " + this.last);
				return;
			}
			this.last = token;
			this.accepted.incrementAndGet();
		}

	}

	/** What one of the threads of {@link #onThreads} does. */
	@FunctionalInterface
	private interface ThreadWork {

		void run(int thread) throws Exception;

	}

	/**
	 * Records lock events for assertions.
	 */
	protected static final class CapturingListener implements LockListener {

		public final List<String> lost = new CopyOnWriteArrayList<>();

		public final List<Long> acquiredTokens = new CopyOnWriteArrayList<>();

		@Override
		public void acquired(String backend, String lockName, long fencingToken, Duration waited) {
			this.acquiredTokens.add(fencingToken);
		}

		@Override
		public void lost(String backend, String lockName, long fencingToken, String reason) {
			this.lost.add(lockName + ": " + reason);
		}

	}

}
