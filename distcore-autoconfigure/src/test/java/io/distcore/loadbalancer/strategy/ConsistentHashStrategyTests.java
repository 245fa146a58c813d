package io.distcore.loadbalancer.strategy;

import java.util.AbstractList;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.InstanceSelector;
import io.distcore.loadbalancer.ServiceBalancer;
import io.distcore.loadbalancer.ServiceInstance;
import io.distcore.loadbalancer.strategy.ConsistentHashStrategy.Hash;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ConsistentHashStrategyTests {

	private static final int KEYS = 200_000;

	@Test
	void sharesOfTenInstancesDeviateByAtMostEightPercent() {
		List<Endpoint> endpoints = instances(10);
		InstanceSelector selector = new ConsistentHashStrategy().create(endpoints, null);
		Map<Endpoint, Integer> counts = new HashMap<>();
		for (int i = 0; i < KEYS; i++) {
			counts.merge(selector.select("user-" + i, (endpoint) -> true), 1, Integer::sum);
		}
		double mean = (double) KEYS / endpoints.size();
		double variance = 0;
		for (Endpoint endpoint : endpoints) {
			double deviation = counts.getOrDefault(endpoint, 0) - mean;
			variance += deviation * deviation / endpoints.size();
		}
		assertThat(Math.sqrt(variance) / mean).isLessThanOrEqualTo(0.08);
	}

	@Test
	void removingOneOfTenInstancesRemapsOnlyItsKeys() {
		List<Endpoint> endpoints = instances(10);
		ConsistentHashStrategy strategy = new ConsistentHashStrategy();
		InstanceSelector before = strategy.create(endpoints, null);
		Endpoint removed = endpoints.get(3);
		List<Endpoint> survivors = new ArrayList<>(endpoints);
		survivors.remove(removed);
		InstanceSelector after = strategy.create(survivors, before);
		int moved = 0;
		for (int i = 0; i < KEYS; i++) {
			String key = "user-" + i;
			Endpoint was = before.select(key, (endpoint) -> true);
			Endpoint is = after.select(key, (endpoint) -> true);
			if (was != is) {
				assertThat(was).as("a key moved between survivors").isSameAs(removed);
				moved++;
			}
		}
		assertThat((double) moved / KEYS).isBetween(0.07, 0.13);
	}

	@Test
	void sameKeySameInstanceAndIneligibleOwnerPassesToTheNextOne() {
		List<Endpoint> endpoints = instances(5);
		InstanceSelector selector = new ConsistentHashStrategy().create(endpoints, null);
		Endpoint owner = selector.select("order-17", (endpoint) -> true);
		for (int i = 0; i < 10; i++) {
			assertThat(selector.select("order-17", (endpoint) -> true)).isSameAs(owner);
		}
		Endpoint next = selector.select("order-17", (endpoint) -> endpoint != owner);
		assertThat(next).isNotNull().isNotSameAs(owner);
		assertThat(selector.select("order-17", (endpoint) -> endpoint != owner)).isSameAs(next);
	}

	@Test
	void weightMultipliesAnInstancesShare() {
		List<Endpoint> endpoints = List.of(new Endpoint(new ServiceInstance("svc", "http://10.0.0.1:8080", 3)),
				new Endpoint(new ServiceInstance("svc", "http://10.0.0.2:8080", 1)));
		InstanceSelector selector = new ConsistentHashStrategy().create(endpoints, null);
		int heavy = 0;
		for (int i = 0; i < KEYS; i++) {
			if (selector.select("k" + i, (endpoint) -> true) == endpoints.get(0)) {
				heavy++;
			}
		}
		assertThat((double) heavy / KEYS).isBetween(0.70, 0.80);
	}

	@Test
	void boundedLoadNeverExceedsTheCeilingOfCTimesTheAverage() {
		double c = 1.25;
		List<Endpoint> endpoints = instances(10);
		InstanceSelector selector = new ConsistentHashStrategy(160, c).create(endpoints, null);
		Random random = new Random(7);
		List<Endpoint> open = new ArrayList<>();
		int departures = 0;
		for (int step = 0; step < 20_000; step++) {
			if (step > 2_000 && random.nextInt(3) == 0) {
				open.remove(random.nextInt(open.size())).requestEnded();
				departures++;
				continue;
			}
			// Nine requests in ten share one hot key: without the bound they would all land on one instance.
			String key = (random.nextInt(10) < 9) ? "hot" : "k" + random.nextInt(1000);
			Endpoint picked = selector.select(key, (endpoint) -> true);
			picked.requestStarted();
			open.add(picked);
			// The bound holds where the request lands; departures elsewhere may leave older loads above it.
			long ceiling = (long) Math.ceil(c * open.size() / endpoints.size());
			assertThat(picked.inFlight()).as("step %d", step).isLessThanOrEqualTo((int) ceiling);
			if (departures == 0) {
				for (Endpoint endpoint : endpoints) {
					assertThat(endpoint.inFlight()).as("step %d", step).isLessThanOrEqualTo((int) ceiling);
				}
			}
		}
	}

	@Test
	void boundedLoadDividesByTheEligibleInstancesOnly() {
		double c = 1.25;
		List<Endpoint> endpoints = instances(10);
		InstanceSelector selector = new ConsistentHashStrategy(160, c).create(endpoints, null);
		Set<Endpoint> ejected = Set.copyOf(endpoints.subList(0, 5));
		for (int i = 1; i <= 500; i++) {
			Endpoint picked = selector.select("hot", (endpoint) -> !ejected.contains(endpoint));
			assertThat(ejected).doesNotContain(picked);
			picked.requestStarted();
			long ceiling = (long) Math.ceil(c * i / 5);
			assertThat(picked.inFlight()).as("request %d", i).isLessThanOrEqualTo((int) ceiling);
		}
	}

	@Test
	void boundedLoadHoldsUnderConcurrentPicks() throws Exception {
		double c = 1.25;
		List<ServiceInstance> instances = new ArrayList<>();
		for (int i = 1; i <= 10; i++) {
			instances.add(new ServiceInstance("svc", "http://10.0.0." + i + ":8080", 1));
		}
		ServiceBalancer service = new ServiceBalancer("svc", new ConsistentHashStrategy(160, c), instances);
		int threads = 16;
		int perThread = 20;
		ExecutorService pool = Executors.newFixedThreadPool(threads);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < threads; t++) {
				futures.add(pool.submit(() -> {
					for (int i = 0; i < perThread; i++) {
						service.start("hot", new SlowTried());
					}
				}));
			}
			for (Future<?> future : futures) {
				future.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			pool.shutdownNow();
		}
		// Nothing completed, so every bound a pick saw is at most the final one.
		long ceiling = (long) Math.ceil(c * threads * perThread / instances.size());
		assertThat(service.endpoints())
			.allSatisfy((endpoint) -> assertThat(endpoint.inFlight()).isLessThanOrEqualTo((int) ceiling));
	}

	@Test
	void keyHashIsStableAndSpreads() {
		assertThat(Hash.MURMUR3.hash("user-1")).isEqualTo(Hash.MURMUR3.hash("user-1"))
			.isNotEqualTo(Hash.MURMUR3.hash("user-2"));
		assertThat(Hash.MURMUR3.hash("")).isBetween(0L, 0xFFFFFFFFL);
	}

	/**
	 * What a request tried already: one instance of another address. Every look-up pauses for a millisecond, as
	 * a picking thread preempted at that point of a pick would.
	 */
	private static final class SlowTried extends AbstractList<ServiceInstance> {

		private final ServiceInstance elsewhere = new ServiceInstance("svc", "http://10.0.9.9:8080", 1);

		@Override
		public ServiceInstance get(int index) {
			return this.elsewhere;
		}

		@Override
		public int size() {
			return 1;
		}

		@Override
		public boolean contains(Object instance) {
			try {
				Thread.sleep(1);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return this.elsewhere.equals(instance);
		}

	}

	private static List<Endpoint> instances(int count) {
		List<Endpoint> endpoints = new ArrayList<>();
		for (int i = 1; i <= count; i++) {
			endpoints.add(new Endpoint(new ServiceInstance("svc", "http://10.0.0." + i + ":8080", 1)));
		}
		return endpoints;
	}

}
