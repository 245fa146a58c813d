package io.distcore.benchmarks.lock;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.distcore.lock.LockRegistry;
import io.distcore.lock.NamedLock;
import io.distcore.lock.zookeeper.ZooKeeperLockBackend;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.recipes.locks.InterProcessMutex;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.test.TestingServer;
import org.apache.curator.utils.ZKPaths;
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

/**
 * Acquire plus release on ZooKeeper: distcore's {@code zookeeper} backend through {@link NamedLock} and raw
 * Curator {@link InterProcessMutex}, each on an in-JVM {@link TestingServer} started the same way, with a Curator
 * client configured like distcore's defaults. {@code uncontended}: one thread on a lock of its own;
 * {@code contended}: four threads of one process on one lock.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class ZooKeeperLockBenchmark {

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
	public void curatorUncontended(Curator curator, OwnKey key) throws Exception {
		curator.lockUnlock(key.name);
	}

	@Benchmark
	@Threads(LockBenchmarks.CONTENDED_THREADS)
	public void curatorContended(Curator curator) throws Exception {
		curator.lockUnlock(LockBenchmarks.CONTENDED_KEY);
	}

	/**
	 * The server and client both contenders run on: a fresh in-JVM server per trial, and a client with the
	 * session and connection timeouts and the retry policy of {@code distcore.zookeeper.*}.
	 */
	@State(Scope.Benchmark)
	public abstract static class ZooKeeper {

		private final String basePath;

		private TestingServer server;

		CuratorFramework client;

		ZooKeeper(String basePath) {
			this.basePath = basePath;
		}

		String basePath() {
			return this.basePath;
		}

		int serverPort() {
			return this.server.getPort();
		}

		@Setup(Level.Trial)
		public void startServer() throws Exception {
			this.server = new TestingServer(true);
			this.client = CuratorFrameworkFactory.builder()
				.connectString(this.server.getConnectString())
				.sessionTimeoutMs(30_000)
				.connectionTimeoutMs(5_000)
				.retryPolicy(new ExponentialBackoffRetry(100, 3))
				.build();
			this.client.start();
			if (!this.client.blockUntilConnected(30, TimeUnit.SECONDS)) {
				throw new IllegalStateException("No connection to " + this.server.getConnectString());
			}
			deleteNodes();
			open();
		}

		@TearDown(Level.Trial)
		public void stopServer() throws Exception {
			close();
			deleteNodes();
			this.client.close();
			this.server.close();
		}

		/** Sets the contender up once the client is connected; JMH gives no order among several setups. */
		void open() {
		}

		/** Shuts the contender down while the server still runs. */
		void close() {
		}

		private void deleteNodes() throws Exception {
			if (this.client.checkExists().forPath(this.basePath) != null) {
				this.client.delete().deletingChildrenIfNeeded().forPath(this.basePath);
			}
		}

	}

	/** distcore as a user calls it: a {@link NamedLock} from the registry per operation. */
	public static class Distcore extends ZooKeeper {

		private ZooKeeperLockBackend backend;

		private LockRegistry registry;

		public Distcore() {
			super("/distcore-bench/distcore");
		}

		@Override
		void open() {
			this.backend = new ZooKeeperLockBackend(this.client, basePath());
			this.registry = LockBenchmarks.registry(this.backend);
		}

		void lockUnlock(String key) throws InterruptedException {
			lock(key).run();
		}

		Runnable lock(String key) throws InterruptedException {
			NamedLock lock = this.registry.getLock(key);
			LockBenchmarks.acquired(lock.tryLock(LockBenchmarks.WAIT, LockBenchmarks.LEASE), "distcore", key);
			return lock::unlock;
		}

		@Override
		void close() {
			this.registry.close();
			this.backend.close();
		}

	}

	/**
	 * Raw Curator: one {@link InterProcessMutex} per lock path, kept for the trial as an application would keep
	 * it, shared by the threads that contend for it.
	 */
	public static class Curator extends ZooKeeper {

		private final Map<String, InterProcessMutex> mutexes = new ConcurrentHashMap<>();

		public Curator() {
			super("/distcore-bench/curator");
		}

		void lockUnlock(String key) throws Exception {
			lock(key).run();
		}

		Runnable lock(String key) throws Exception {
			InterProcessMutex mutex = this.mutexes.computeIfAbsent(key,
					(name) -> new InterProcessMutex(this.client, ZKPaths.makePath(basePath(), name)));
			LockBenchmarks.acquired(mutex.acquire(LockBenchmarks.WAIT.toMillis(), TimeUnit.MILLISECONDS), "Curator",
					key);
			return () -> {
				try {
					mutex.release();
				}
				catch (Exception ex) {
					throw new IllegalStateException(ex);
				}
			};
		}

	}

}
