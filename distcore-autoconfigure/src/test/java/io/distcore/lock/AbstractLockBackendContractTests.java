package io.distcore.lock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.distcore.support.InstanceId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The contract every {@link LockBackend} passes unchanged. A subclass supplies the backend; each call of
 * {@link #newBackend()} stands for another process, with its own connections and its own instance id.
 */
public abstract class AbstractLockBackendContractTests {

	/** Far above any wait in this suite: reaching it means something hung. */
	private static final Duration HANG = Duration.ofSeconds(20);

	private final List<LockRegistry> registries = new CopyOnWriteArrayList<>();

	private final List<LockBackend> backends = new CopyOnWriteArrayList<>();

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
		LockBackend backend = newBackend();
		this.backends.add(backend);
		LockRegistry registry = new LockRegistry(InstanceId.generate(), List.of(backend), backend.name(), watchdogLease,
				List.of(this.events));
		this.registries.add(registry);
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
		ExecutorService pool = Executors.newFixedThreadPool(8);
		try {
			List<Future<?>> workers = new ArrayList<>();
			for (int t = 0; t < 8; t++) {
				LockRegistry registry = (t % 2 == 0) ? first : second;
				workers.add(pool.submit(() -> {
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
			assertThatExceptionOfType(java.util.concurrent.ExecutionException.class)
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
