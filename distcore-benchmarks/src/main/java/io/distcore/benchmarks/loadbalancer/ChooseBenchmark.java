package io.distcore.benchmarks.loadbalancer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import io.distcore.loadbalancer.LoadBalancingStrategy;
import io.distcore.loadbalancer.ServiceBalancer;
import io.distcore.loadbalancer.strategy.ConsistentHashStrategy;
import io.distcore.loadbalancer.strategy.LeastConnectionsStrategy;
import io.distcore.loadbalancer.strategy.RoundRobinStrategy;
import io.distcore.loadbalancer.strategy.SmoothWeightedRoundRobinStrategy;
import io.distcore.loadbalancer.strategy.WeightedRandomStrategy;
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

import org.springframework.cloud.client.DefaultServiceInstance;
import org.springframework.cloud.client.ServiceInstance;
import org.springframework.cloud.client.loadbalancer.Response;
import org.springframework.cloud.loadbalancer.core.RoundRobinLoadBalancer;
import org.springframework.cloud.loadbalancer.core.ServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.core.WeightedServiceInstanceListSupplier;
import org.springframework.cloud.loadbalancer.support.ServiceInstanceListSuppliers;
import org.springframework.cloud.loadbalancer.support.SimpleObjectProvider;

/**
 * Nanoseconds per pick of an instance, single-threaded, with 3 and 100 instances of weights 5, 1, 1 (3) or 1 to 5
 * in turn (100): every distcore strategy through {@link ServiceBalancer#choose(String)} (passive health and panic
 * check included), against Spring Cloud LoadBalancer's {@link RoundRobinLoadBalancer} over the plain list and over
 * its {@link WeightedServiceInstanceListSupplier}, both through {@code choose().block()} as its blocking clients
 * call it. Run with {@code -prof gc} for the allocation per pick.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class ChooseBenchmark {

	private static final String SERVICE = "inventory";

	private static final int KEYS = 1024;

	static int weight(int instances, int index) {
		if (instances == 3) {
			return (index == 0) ? 5 : 1;
		}
		return 1 + index % 5;
	}

	/**
	 * A distcore service balancer with one strategy, and request keys for consistent hashing.
	 */
	@State(Scope.Thread)
	public static class Distcore {

		@Param({ "3", "100" })
		int instances;

		@Param({ "round-robin", "weighted-round-robin", "weighted-random", "consistent-hash", "least-connections" })
		String strategy;

		ServiceBalancer balancer;

		boolean hashed;

		String[] keys;

		int next;

		@Setup(Level.Trial)
		public void setUp() {
			List<io.distcore.loadbalancer.ServiceInstance> list = new ArrayList<>();
			for (int i = 0; i < this.instances; i++) {
				list.add(new io.distcore.loadbalancer.ServiceInstance(SERVICE, "http://10.0." + (i / 250) + "." + (i % 250) + ":8080",
						weight(this.instances, i)));
			}
			this.balancer = new ServiceBalancer(SERVICE, strategy(this.strategy), list);
			this.hashed = this.strategy.equals("consistent-hash");
			this.keys = new String[KEYS];
			for (int i = 0; i < KEYS; i++) {
				this.keys[i] = "user-" + i;
			}
		}

		// Only consistent hashing reads a key; the others get none, as from a request without one.
		String nextKey() {
			return this.hashed ? this.keys[(this.next++) & (KEYS - 1)] : null;
		}

		private static LoadBalancingStrategy strategy(String name) {
			return switch (name) {
				case "round-robin" -> new RoundRobinStrategy();
				case "weighted-round-robin" -> new SmoothWeightedRoundRobinStrategy();
				case "weighted-random" -> new WeightedRandomStrategy();
				case "consistent-hash" -> new ConsistentHashStrategy();
				case "least-connections" -> new LeastConnectionsStrategy();
				default -> throw new IllegalArgumentException(name);
			};
		}

	}

	/**
	 * Spring Cloud LoadBalancer's round robin over the same instances, plain and weighted.
	 */
	@State(Scope.Thread)
	public static class SpringCloud {

		@Param({ "3", "100" })
		int instances;

		RoundRobinLoadBalancer roundRobin;

		RoundRobinLoadBalancer weighted;

		@Setup(Level.Trial)
		public void setUp() {
			ServiceInstance[] list = new ServiceInstance[this.instances];
			for (int i = 0; i < this.instances; i++) {
				list[i] = new DefaultServiceInstance(SERVICE + "-" + i, SERVICE, "10.0." + (i / 250) + "." + (i % 250), 8080,
						false, Map.of("weight", String.valueOf(weight(this.instances, i))));
			}
			ServiceInstanceListSupplier plain = ServiceInstanceListSuppliers.from(SERVICE, list);
			this.roundRobin = new RoundRobinLoadBalancer(new SimpleObjectProvider<>(plain), SERVICE);
			this.weighted = new RoundRobinLoadBalancer(
					new SimpleObjectProvider<>(new WeightedServiceInstanceListSupplier(plain)), SERVICE);
		}

	}

	@Benchmark
	public Object distcore(Distcore state) {
		return state.balancer.choose(state.nextKey());
	}

	@Benchmark
	public Response<ServiceInstance> springCloudRoundRobin(SpringCloud state) {
		return state.roundRobin.choose().block();
	}

	@Benchmark
	public Response<ServiceInstance> springCloudWeightedRoundRobin(SpringCloud state) {
		return state.weighted.choose().block();
	}

}
