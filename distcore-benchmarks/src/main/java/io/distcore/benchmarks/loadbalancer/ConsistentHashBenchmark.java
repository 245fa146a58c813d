package io.distcore.benchmarks.loadbalancer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

import io.distcore.loadbalancer.ServiceBalancer;
import io.distcore.loadbalancer.ServiceInstance;
import io.distcore.loadbalancer.strategy.ConsistentHashStrategy;
import io.distcore.loadbalancer.strategy.ConsistentHashStrategy.Hash;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Nanoseconds per consistent-hash pick with the two key hashes, single-threaded: {@code hash} alone (the key's
 * point) and {@code choose} through {@link ServiceBalancer#choose(String)} (hash, binary search, health check),
 * over 10 and 100 instances of weight 1, with a different key from a pool of 1,024 ({@code user-0} to
 * {@code user-1023}) on every call. Run with {@code -prof gc} for the allocation per pick.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class ConsistentHashBenchmark {

	private static final int KEYS = 1024;

	@Param({ "murmur3", "ketama" })
	String hash;

	@Param({ "10", "100" })
	int instances;

	private Hash keyHash;

	private ServiceBalancer balancer;

	private String[] keys;

	private int next;

	@Setup(Level.Trial)
	public void setUp() {
		this.keyHash = Hash.valueOf(this.hash.toUpperCase(Locale.ROOT));
		List<ServiceInstance> list = new ArrayList<>();
		for (int i = 0; i < this.instances; i++) {
			list.add(new ServiceInstance("cache", "http://10.0.0." + i + ":11211", 1));
		}
		this.balancer = new ServiceBalancer("cache",
				new ConsistentHashStrategy(ConsistentHashStrategy.DEFAULT_VIRTUAL_NODES, 0, this.keyHash), list);
		this.keys = new String[KEYS];
		for (int i = 0; i < KEYS; i++) {
			this.keys[i] = "user-" + i;
		}
	}

	private String nextKey() {
		return this.keys[(this.next++) & (KEYS - 1)];
	}

	@Benchmark
	public long hash() {
		return this.keyHash.hash(nextKey());
	}

	@Benchmark
	public Object choose() {
		return this.balancer.choose(nextKey());
	}

}
