package io.distcore.benchmarks.lock;

import java.util.Set;
import java.util.concurrent.TimeUnit;

import io.distcore.lock.LockRegistry;
import io.distcore.lock.NamedLock;
import io.distcore.lock.redis.RedisLockBackend;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;
import org.redisson.Redisson;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.integration.redis.util.RedisLockRegistry;
import org.springframework.integration.support.locks.DistributedLock;

/**
 * Acquire plus release on one Redis server: distcore's {@code redis} backend through {@link NamedLock}, Redisson's
 * {@link RLock} and Spring Integration's {@link RedisLockRegistry}, the latter both with its default spin lock and
 * with its pub/sub lock. {@code uncontended}: one thread on a lock of its own; {@code contended}: four threads
 * of one process on one lock, each operation waiting its turn.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class RedisLockBenchmark {

	private static final String KEY_PREFIX = "distcore-bench:";

	@Benchmark
	@Threads(1)
	public void distcoreUncontended(Distcore distcore, OwnKey key) throws InterruptedException {
		distcore.lockUnlock(key.name);
	}

	@Benchmark
	@Threads(LockBenchmarks.CONTENDED_THREADS)
	public void distcoreContended(Distcore distcore) throws InterruptedException {
		distcore.lockUnlock(LockBenchmarks.CONTENDED_KEY);
	}

	@Benchmark
	@Threads(1)
	public void redissonUncontended(RedissonLocks redisson, OwnKey key) throws InterruptedException {
		redisson.lockUnlock(key.name);
	}

	@Benchmark
	@Threads(LockBenchmarks.CONTENDED_THREADS)
	public void redissonContended(RedissonLocks redisson) throws InterruptedException {
		redisson.lockUnlock(LockBenchmarks.CONTENDED_KEY);
	}

	@Benchmark
	@Threads(1)
	public void springIntegrationSpinUncontended(SpringIntegrationSpin registry, OwnKey key)
			throws InterruptedException {
		registry.lockUnlock(key.name);
	}

	@Benchmark
	@Threads(LockBenchmarks.CONTENDED_THREADS)
	public void springIntegrationSpinContended(SpringIntegrationSpin registry) throws InterruptedException {
		registry.lockUnlock(LockBenchmarks.CONTENDED_KEY);
	}

	@Benchmark
	@Threads(1)
	public void springIntegrationPubSubUncontended(SpringIntegrationPubSub registry, OwnKey key)
			throws InterruptedException {
		registry.lockUnlock(key.name);
	}

	@Benchmark
	@Threads(LockBenchmarks.CONTENDED_THREADS)
	public void springIntegrationPubSubContended(SpringIntegrationPubSub registry) throws InterruptedException {
		registry.lockUnlock(LockBenchmarks.CONTENDED_KEY);
	}

	/** A connection factory of its own per contender, so that none shares a connection with another. */
	static LettuceConnectionFactory connectionFactory() {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(LockBenchmarks.REDIS_HOST, LockBenchmarks.REDIS_PORT));
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

	/** Benchmarks start and end with none of their keys in Redis, whatever an aborted run left behind. */
	static void deleteKeys(LettuceConnectionFactory factory, String prefix) {
		StringRedisTemplate redis = new StringRedisTemplate(factory);
		Set<String> keys = redis.keys(prefix + "*");
		if (keys != null && !keys.isEmpty()) {
			redis.delete(keys);
		}
	}

	/** distcore as a user calls it: a {@link NamedLock} from the registry per operation. */
	@State(Scope.Benchmark)
	public static class Distcore {

		private static final String PREFIX = KEY_PREFIX + "distcore:";

		private LettuceConnectionFactory factory;

		private RedisLockBackend backend;

		private LockRegistry registry;

		private final boolean handOver;

		public Distcore() {
			this(true);
		}

		/**
		 * @param handOver whether the registry may pass the lock between local threads in one script; without it,
		 * a release then an acquire
		 */
		Distcore(boolean handOver) {
			this.handOver = handOver;
		}

		@Setup(Level.Trial)
		public void setUp() {
			this.factory = connectionFactory();
			deleteKeys(this.factory, PREFIX);
			this.backend = new RedisLockBackend(this.factory, PREFIX);
			this.registry = LockBenchmarks.registry(
					this.handOver ? this.backend : LockBenchmarks.releaseThenAcquire(this.backend));
		}

		void lockUnlock(String key) throws InterruptedException {
			lock(key).run();
		}

		/** Acquires, and returns what releases. */
		Runnable lock(String key) throws InterruptedException {
			NamedLock lock = this.registry.getLock(key);
			LockBenchmarks.acquired(lock.tryLock(LockBenchmarks.WAIT, LockBenchmarks.LEASE), "distcore", key);
			return lock::unlock;
		}

		@TearDown(Level.Trial)
		public void tearDown() throws Exception {
			this.registry.close();
			this.backend.close();
			deleteKeys(this.factory, PREFIX);
			this.factory.destroy();
		}

	}

	/** Redisson with its defaults on a single server; the lock handle is taken per operation, as usual. */
	@State(Scope.Benchmark)
	public static class RedissonLocks {

		private static final String PREFIX = KEY_PREFIX + "redisson:";

		private RedissonClient redisson;

		@Setup(Level.Trial)
		public void setUp() {
			Config config = new Config();
			config.useSingleServer().setAddress("redis://" + LockBenchmarks.REDIS_HOST + ":" + LockBenchmarks.REDIS_PORT);
			this.redisson = Redisson.create(config);
			this.redisson.getKeys().deleteByPattern(PREFIX + "*");
		}

		void lockUnlock(String key) throws InterruptedException {
			lock(key).run();
		}

		Runnable lock(String key) throws InterruptedException {
			RLock lock = this.redisson.getLock(PREFIX + key);
			LockBenchmarks.acquired(lock.tryLock(LockBenchmarks.WAIT.toMillis(), LockBenchmarks.LEASE.toMillis(),
					TimeUnit.MILLISECONDS), "Redisson", key);
			return lock::unlock;
		}

		@TearDown(Level.Trial)
		public void tearDown() {
			this.redisson.getKeys().deleteByPattern(PREFIX + "*");
			this.redisson.shutdown();
		}

	}

	/** Spring Integration's registry with its default lock type (spin: polls every 100 ms while waiting). */
	@State(Scope.Benchmark)
	public static class SpringIntegrationSpin {

		private final String registryKey;

		private final RedisLockRegistry.RedisLockType type;

		private LettuceConnectionFactory factory;

		private RedisLockRegistry registry;

		public SpringIntegrationSpin() {
			this("spring-integration-spin", RedisLockRegistry.RedisLockType.SPIN_LOCK);
		}

		SpringIntegrationSpin(String name, RedisLockRegistry.RedisLockType type) {
			this.registryKey = KEY_PREFIX + name;
			this.type = type;
		}

		@Setup(Level.Trial)
		public void setUp() {
			this.factory = connectionFactory();
			deleteKeys(this.factory, this.registryKey);
			this.registry = new RedisLockRegistry(this.factory, this.registryKey, LockBenchmarks.LEASE);
			this.registry.setRedisLockType(this.type);
		}

		void lockUnlock(String key) throws InterruptedException {
			lock(key).run();
		}

		/** Acquires, and returns what releases. */
		Runnable lock(String key) throws InterruptedException {
			DistributedLock lock = this.registry.obtain(key);
			LockBenchmarks.acquired(lock.tryLock(LockBenchmarks.WAIT, LockBenchmarks.LEASE), "Spring Integration", key);
			return lock::unlock;
		}

		@TearDown(Level.Trial)
		public void tearDown() {
			this.registry.destroy();
			deleteKeys(this.factory, this.registryKey);
			this.factory.destroy();
		}

	}

	/** Spring Integration's registry with its pub/sub lock type, which wakes waiters on release. */
	@State(Scope.Benchmark)
	public static class SpringIntegrationPubSub extends SpringIntegrationSpin {

		public SpringIntegrationPubSub() {
			super("spring-integration-pubsub", RedisLockRegistry.RedisLockType.PUB_SUB_LOCK);
		}

	}

}
