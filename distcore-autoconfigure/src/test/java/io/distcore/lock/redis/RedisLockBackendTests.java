package io.distcore.lock.redis;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.distcore.lock.AbstractLockBackendContractTests;
import io.distcore.lock.LockBackend;
import io.distcore.lock.LockBackendUnavailableException;
import io.distcore.lock.LockLostException;
import io.distcore.lock.LockRegistry;
import io.distcore.lock.NamedLock;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The Redis backend on a real server: the contract, plus what happens when the key vanishes, when Redis is
 * down, and how fast a waiter hears a release.
 */
class RedisLockBackendTests extends AbstractLockBackendContractTests {

	/** Unique per test, so that cleaning up never touches the keys of a test running elsewhere. */
	private final String prefix = "distcore-test:" + UUID.randomUUID() + ":lock:";

	private final Map<LockBackend, LettuceConnectionFactory> factories = new ConcurrentHashMap<>();

	private final LettuceConnectionFactory admin = TestServices.redis().connectionFactory();

	@Override
	protected LockBackend newBackend() {
		LettuceConnectionFactory factory = TestServices.redis().connectionFactory();
		RedisLockBackend backend = new RedisLockBackend(factory, this.prefix);
		this.factories.put(backend, factory);
		return backend;
	}

	@Override
	protected void close(LockBackend backend) {
		try {
			((RedisLockBackend) backend).close();
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
		this.factories.remove(backend).destroy();
	}

	@AfterEach
	void deleteKeysAndCloseAdmin() {
		StringRedisTemplate redis = new StringRedisTemplate(this.admin);
		redis.delete(redis.keys(this.prefix + "*"));
		this.admin.destroy();
	}

	@Test
	void aReleaseWakesOneWaiterOfTheProcessNotEveryOne() throws Exception {
		RedisLockBackend backend = (RedisLockBackend) newBackend();
		String name = uniqueName("wake-one");
		Duration lease = Duration.ofSeconds(30);
		int waiters = 4;
		ExecutorService pool = Executors.newFixedThreadPool(waiters);
		try {
			assertThat(backend.acquire(name, "holder", lease, Duration.ZERO)).isPresent();
			List<Future<Boolean>> results = new ArrayList<>();
			for (int i = 0; i < waiters; i++) {
				String owner = "waiter-" + i;
				results.add(pool.submit(() -> {
					if (backend.acquire(name, owner, lease, Duration.ofSeconds(20)).isEmpty()) {
						return false;
					}
					Thread.sleep(20);
					return backend.release(name, owner);
				}));
			}
			// Generous: every waiter has made its attempts and parked.
			Thread.sleep(1500);
			assertThat(backend.wakeUps()).isZero();
			assertThat(backend.release(name, "holder")).isTrue();
			for (Future<Boolean> result : results) {
				assertThat(result.get(30, TimeUnit.SECONDS)).isTrue();
			}
			// One wake-up per release: each woken waiter won; nobody ran a script that was bound to fail.
			assertThat(backend.wakeUps()).isEqualTo(waiters);
		}
		finally {
			pool.shutdownNow();
			close(backend);
		}
	}

	@Test
	void aHolderWhoseKeyIsDeletedIsToldAndItsUnlockRaisesLockLost() throws Exception {
		String name = uniqueName("deleted");
		NamedLock lock = newProcess(Duration.ofMillis(600)).getLock(name);
		assertThat(lock.tryLock(Duration.ZERO)).isTrue();
		long token = lock.fencingToken();
		StringRedisTemplate redis = new StringRedisTemplate(this.admin);
		assertThat(redis.delete(this.prefix + "{" + name + "}")).isTrue();

		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (this.events.lost.isEmpty() && System.nanoTime() < deadline) {
			Thread.sleep(50);
		}
		assertThat(this.events.lost).singleElement().asString().startsWith(name);
		assertThat(lock.isHeldByCurrentOwner()).isFalse();
		assertThatExceptionOfType(LockLostException.class).isThrownBy(lock::unlock)
			.satisfies((ex) -> assertThat(ex.getFencingToken()).isEqualTo(token));
	}

	@Test
	void anOrphanedHoldOfTheSameOwnerIsGrantedAtOnceWithANewToken() throws Exception {
		String name = uniqueName("orphan");
		LockRegistry process = newProcess();
		NamedLock lock = process.getLock(name, "redis", "job-1");
		assertThat(lock.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
		long earlier = lock.fencingToken();
		lock.unlock();
		// What a lost reply leaves behind: the server applied the acquire, the client never heard of it.
		new StringRedisTemplate(this.admin).opsForValue()
			.set(this.prefix + "{" + name + "}", lock.owner(), Duration.ofSeconds(30));

		assertThat(process.getLock(name, "redis", "job-2").tryLock(Duration.ZERO, Duration.ofSeconds(30))).isFalse();
		assertThat(lock.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
		assertThat(lock.fencingToken()).isGreaterThan(earlier);
		lock.unlock();
		NamedLock next = newProcess().getLock(name);
		assertThat(next.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
		next.unlock();
	}

	@Test
	void redisTokensKeepIncreasingAcrossTheUpgradeFromPerNameCounters() throws Exception {
		String name = uniqueName("upgrade");
		// What versions before the single counter left for this lock: INCR of <prefix>{name}:token, never expiring.
		new StringRedisTemplate(this.admin).opsForValue().set(this.prefix + "{" + name + "}:token", "1000");
		NamedLock lock = newProcess().getLock(name);
		assertThat(lock.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
		assertThat(lock.fencingToken())
			.as("a token after the upgrade must exceed 1000, the last one the resource saw for this lock")
			.isGreaterThan(1000);
		lock.unlock();
		NamedLock other = newProcess().getLock(uniqueName("after-upgrade"));
		assertThat(other.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
		assertThat(other.fencingToken()).as("the one counter continues above the upgraded name's token")
			.isGreaterThan(1001);
		other.unlock();
	}

	@Test
	void anInterruptedAcquireLeavesNoOrphanedHoldBehind() throws Exception {
		String name = uniqueName("interrupted");
		NamedLock lock = newProcess().getLock(name);
		Thread.currentThread().interrupt();
		Throwable failure = null;
		try {
			lock.tryLock(Duration.ZERO, Duration.ofSeconds(20));
		}
		catch (Exception ex) {
			failure = ex;
		}
		finally {
			Thread.interrupted();
		}
		assertThat(lock.isHeldByCurrentOwner()).isFalse();
		assertThat(new StringRedisTemplate(this.admin).opsForValue().get(this.prefix + "{" + name + "}"))
			.as("tryLock failed with " + failure + ", yet Redis holds the lock for this owner for the whole lease")
			.isNull();
	}

	@Test
	void tenThousandNamesLockedAndReleasedLeaveOnlyTheTokenCounter() throws Exception {
		LockRegistry process = newProcess();
		long firstToken = 0;
		for (int i = 0; i < 10_000; i++) {
			NamedLock lock = process.getLock("order-" + i);
			assertThat(lock.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
			if (i == 0) {
				firstToken = lock.fencingToken();
			}
			lock.unlock();
		}
		StringRedisTemplate redis = new StringRedisTemplate(this.admin);
		assertThat(redis.keys(this.prefix + "*")).containsExactly(this.prefix + "token");
		// With every key of the name gone, the name locked again still gets a greater token.
		NamedLock again = process.getLock("order-0");
		assertThat(again.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
		assertThat(again.fencingToken()).isGreaterThan(firstToken);
		again.unlock();
	}

	@Test
	void redisDownFailsFastWithBackendUnavailable() throws Exception {
		int deadPort;
		try (ServerSocket probe = new ServerSocket(0)) {
			deadPort = probe.getLocalPort();
		}
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", deadPort),
				LettuceClientConfiguration.builder().commandTimeout(Duration.ofMillis(500)).build());
		factory.afterPropertiesSet();
		factory.start();
		try (RedisLockBackend backend = new RedisLockBackend(factory, this.prefix)) {
			long start = System.nanoTime();
			assertThatExceptionOfType(LockBackendUnavailableException.class)
				.isThrownBy(() -> backend.acquire(uniqueName("down"), "owner", Duration.ofSeconds(30), Duration.ofSeconds(30)));
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
			assertThatExceptionOfType(LockBackendUnavailableException.class)
				.isThrownBy(() -> backend.renew(uniqueName("down"), "owner", Duration.ofSeconds(30)));
			assertThatExceptionOfType(LockBackendUnavailableException.class)
				.isThrownBy(() -> backend.release(uniqueName("down"), "owner"));
		}
		finally {
			factory.destroy();
		}
	}

	@Test
	void aWaiterIsWokenByTheReleaseMessageLongBeforeTheLeaseEnds() throws Exception {
		String name = uniqueName("pubsub");
		LockBackend holder = newBackend();
		LockBackend waiter = newBackend();
		try {
			assertThat(holder.acquire(name, "holder", Duration.ofSeconds(30), Duration.ZERO)).isPresent();
			ExecutorService pool = Executors.newSingleThreadExecutor();
			try {
				long start = System.nanoTime();
				Future<Boolean> waiting = pool
					.submit(() -> waiter.acquire(name, "waiter", Duration.ofSeconds(30), Duration.ofSeconds(20)).isPresent());
				Thread.sleep(200);
				assertThat(holder.release(name, "holder")).isTrue();
				assertThat(waiting.get(20, TimeUnit.SECONDS)).isTrue();
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
			}
			finally {
				pool.shutdownNow();
			}
			assertThat(waiter.release(name, "waiter")).isTrue();
		}
		finally {
			close(holder);
			close(waiter);
		}
	}

}
