package io.distcore.benchmarks.lock;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Hand-over latency of the contended Redis, PostgreSQL and ZooKeeper contenders: the time from a holder's call to release
 * until the thread of the same process that waits for the lock runs, as percentiles (p50, p99, max) of
 * {@value #HAND_OVERS} hand-overs. Two threads pass one lock back and forth; each holds it for
 * {@value #HOLD_MILLIS} ms, so that the other one is waiting when it is released. distcore is measured with the
 * one-round-trip hand-over and, for comparison, with release then acquire; Redisson, Spring Integration's Redis
 * pub/sub and JDBC registries and Curator's {@code InterProcessMutex} are the peers. ZooKeeper is an in-JVM
 * {@code TestingServer} per contender, as in {@link ZooKeeperLockBenchmark}. Uses the servers of the JMH benchmarks (Redis 127.0.0.1:6379, PostgreSQL
 * 127.0.0.1:5432/test, see {@link LockBenchmarks}); prints a Markdown table.
 */
public final class HandOverLatency {

	private static final int HAND_OVERS = 500;

	private static final int WARMUP = 50;

	private static final long HOLD_MILLIS = 1;

	private HandOverLatency() {
	}

	public static void main(String[] args) throws Exception {
		List<String> rows = new ArrayList<>();
		rows.add("| Family | Contender | p50 µs | p99 µs | max µs |");
		rows.add("|---|---|---:|---:|---:|");
		RedisLockBenchmark.Distcore redis = new RedisLockBenchmark.Distcore();
		redis.setUp();
		rows.add(row("Redis", "**distcore** (hand-over SPI)", redis::lock));
		redis.tearDown();
		RedisLockBenchmark.Distcore redisTwoTrips = new RedisLockBenchmark.Distcore(false);
		redisTwoTrips.setUp();
		rows.add(row("Redis", "distcore, release + acquire", redisTwoTrips::lock));
		redisTwoTrips.tearDown();
		RedisLockBenchmark.RedissonLocks redisson = new RedisLockBenchmark.RedissonLocks();
		redisson.setUp();
		rows.add(row("Redis", "Redisson", redisson::lock));
		redisson.tearDown();
		RedisLockBenchmark.SpringIntegrationPubSub pubSub = new RedisLockBenchmark.SpringIntegrationPubSub();
		pubSub.setUp();
		rows.add(row("Redis", "Spring Integration (pub/sub)", pubSub::lock));
		pubSub.tearDown();
		JdbcLockBenchmark.Distcore jdbc = new JdbcLockBenchmark.Distcore();
		jdbc.setUp();
		rows.add(row("PostgreSQL", "**distcore** (hand-over SPI)", jdbc::lock));
		jdbc.tearDown();
		JdbcLockBenchmark.Distcore jdbcTwoTrips = new JdbcLockBenchmark.Distcore(false);
		jdbcTwoTrips.setUp();
		rows.add(row("PostgreSQL", "distcore, release + acquire", jdbcTwoTrips::lock));
		jdbcTwoTrips.tearDown();
		JdbcLockBenchmark.SpringIntegration springIntegration = new JdbcLockBenchmark.SpringIntegration();
		springIntegration.setUp();
		rows.add(row("PostgreSQL", "Spring Integration", springIntegration::lock));
		springIntegration.tearDown();
		ZooKeeperLockBenchmark.Distcore zookeeper = new ZooKeeperLockBenchmark.Distcore();
		zookeeper.startServer();
		rows.add(row("ZooKeeper", "**distcore**", zookeeper::lock));
		zookeeper.stopServer();
		ZooKeeperLockBenchmark.Curator curator = new ZooKeeperLockBenchmark.Curator();
		curator.startServer();
		rows.add(row("ZooKeeper", "Curator", curator::lock));
		curator.stopServer();
		rows.forEach(System.out::println);
	}

	private static String row(String family, String contender, Locker locker) throws Exception {
		measure(locker, WARMUP);
		long[] nanos = measure(locker, HAND_OVERS);
		Arrays.sort(nanos);
		return String.format(Locale.ROOT, "| %s | %s | %d | %d | %d |", family, contender, micros(nanos, 0.50),
				micros(nanos, 0.99), nanos[nanos.length - 1] / 1000);
	}

	private static long micros(long[] sorted, double percentile) {
		return sorted[(int) Math.ceil(percentile * sorted.length) - 1] / 1000;
	}

	/**
	 * Two threads take turns on one lock: each notes when it calls release, and the other, waiting, notes how
	 * long after that it holds the lock.
	 */
	private static long[] measure(Locker locker, int handOvers) throws Exception {
		String key = "hand-over-latency";
		long[] latencies = new long[handOvers];
		int[] next = new int[1];
		long[] releasedAt = new long[1];
		AtomicReference<Exception> failure = new AtomicReference<>();
		CountDownLatch done = new CountDownLatch(2);
		Runnable turns = () -> {
			try {
				while (true) {
					Runnable unlock = locker.lock(key);
					// Guarded by the lock under test: only its holder reads and writes these.
					if (releasedAt[0] != 0) {
						if (next[0] == handOvers) {
							unlock.run();
							return;
						}
						latencies[next[0]++] = System.nanoTime() - releasedAt[0];
					}
					TimeUnit.MILLISECONDS.sleep(HOLD_MILLIS);
					releasedAt[0] = System.nanoTime();
					unlock.run();
				}
			}
			catch (Exception ex) {
				failure.compareAndSet(null, ex);
			}
			finally {
				done.countDown();
			}
		};
		new Thread(turns, "hand-over-1").start();
		new Thread(turns, "hand-over-2").start();
		done.await();
		if (failure.get() != null) {
			throw failure.get();
		}
		return latencies;
	}

	/** Acquires the lock {@code key} and returns what releases it. */
	@FunctionalInterface
	private interface Locker {

		Runnable lock(String key) throws Exception;

	}

}
