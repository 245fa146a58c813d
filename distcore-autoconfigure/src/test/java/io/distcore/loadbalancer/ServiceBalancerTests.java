package io.distcore.loadbalancer;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.distcore.loadbalancer.health.PassiveHealthPolicy;
import io.distcore.loadbalancer.strategy.ConsistentHashStrategy;
import io.distcore.loadbalancer.strategy.LeastConnectionsStrategy;
import io.distcore.loadbalancer.strategy.RoundRobinStrategy;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ServiceBalancerTests {

	private static final long SECOND = 1_000_000_000L;

	private final AtomicLong clock = new AtomicLong(1000 * SECOND);

	@Test
	void panicEndsWhenTheEjectionsEndAndFailuresEjectAgainAfterwards() {
		// 5 failures in a row eject for 10 s; at most half ejected; panic below 60 % healthy.
		PassiveHealthPolicy policy = new PassiveHealthPolicy(5, Duration.ofSeconds(10), Duration.ofSeconds(10), 0.5,
				0.6, Duration.ZERO, 0.1);
		List<ServiceInstance> five = instances(5);
		ServiceBalancer service = balancer(new RoundRobinStrategy(), policy, five);
		fail(service, five.get(0), 5);
		fail(service, five.get(1), 5);
		assertThat(service.health().ejectedCount()).isEqualTo(2);
		assertThat(service.health().isPanicking()).as("3 of 5 healthy").isFalse();
		service.update(five.subList(0, 4));
		assertThat(service.health().isPanicking()).as("2 of 4 healthy").isTrue();

		this.clock.addAndGet(11 * SECOND);
		for (int i = 0; i < 1000; i++) {
			service.start(null, List.of()).succeeded();
		}
		assertThat(service.health().ejectedCount()).isZero();
		assertThat(service.health().isPanicking()).isFalse();

		ServiceInstance healthy = five.get(3);
		fail(service, healthy, 20);
		assertThat(endpoint(service, healthy).health().isEjected()).isTrue();
		assertThat(service.health().ejectedCount()).isEqualTo(1);
		for (int i = 0; i < 100; i++) {
			assertThat(service.choose(null)).isNotEqualTo(healthy);
		}
	}

	@Test
	void ejectionEndsByTimeEvenWhenNoPickLooksAtTheEjectedInstance() {
		PassiveHealthPolicy policy = new PassiveHealthPolicy(1, Duration.ofSeconds(10), Duration.ofSeconds(10), 0.25,
				0.5, Duration.ZERO, 0.1);
		List<ServiceInstance> four = instances(4);
		ServiceBalancer service = balancer(new ConsistentHashStrategy(), policy, four);
		ServiceInstance owner = service.choose("user-1");
		ServiceInstance other = four.stream().filter((instance) -> !instance.equals(owner)).findFirst().orElseThrow();
		fail(service, other, 1);
		assertThat(service.health().ejectedCount()).isEqualTo(1);
		this.clock.addAndGet(11 * SECOND);
		// Every pick lands on the owner at once, so the walk never reaches the ejected instance.
		for (int i = 0; i < 10; i++) {
			assertThat(service.choose("user-1")).isEqualTo(owner);
		}
		assertThat(service.health().ejectedCount()).isZero();
		fail(service, owner, 1);
		assertThat(endpoint(service, owner).health().isEjected()).as("the cap of one ejection is free again").isTrue();
	}

	@Test
	void ejectedCountStaysExactWhileTheMembershipChangesUnderEjectionsAndReturns() throws Exception {
		// Every failure ejects for 1 µs, so instances are ejected and return all the time; panic never starts.
		PassiveHealthPolicy policy = new PassiveHealthPolicy(1, Duration.ofNanos(1000), Duration.ofNanos(1000), 1.0, 0.0,
				Duration.ZERO, 0.1);
		List<ServiceInstance> eight = instances(8);
		ServiceBalancer service = new ServiceBalancer("svc", new RoundRobinStrategy(), policy, RetryPolicy.NONE,
				Set.of(503), eight);
		ExecutorService threads = Executors.newFixedThreadPool(5);
		try {
			// The count is checked whenever everything stands still; a race needs a few rounds to show.
			for (int round = 0; round < 10; round++) {
				AtomicBoolean stop = new AtomicBoolean();
				List<Future<?>> futures = new ArrayList<>();
				for (int t = 0; t < 4; t++) {
					futures.add(threads.submit(() -> {
						while (!stop.get()) {
							service.start(null, List.of()).failed();
						}
					}));
				}
				futures.add(threads.submit(() -> {
					// Ends on the six: exchanges still running on the two that left fail after the last change.
					for (int i = 0; i <= 2_000; i++) {
						service.update((i % 2 == 0) ? eight.subList(0, 6) : eight);
					}
					stop.set(true);
				}));
				for (Future<?> future : futures) {
					future.get(60, TimeUnit.SECONDS);
				}
				long ejectedMembers = service.endpoints()
					.stream()
					.filter((endpoint) -> endpoint.health().isEjected())
					.count();
				assertThat(service.health().ejectedCount()).as("round %d", round).isEqualTo((int) ejectedMembers);
			}
		}
		finally {
			threads.shutdownNow();
		}
	}

	@Test
	void inFlightCountsFollowTheInstanceThroughAWeightChangeAndALeaveAndRejoin() {
		List<ServiceInstance> two = instances(2);
		ServiceInstance a = two.get(0);
		ServiceInstance b = two.get(1);
		ServiceBalancer service = new ServiceBalancer("svc", new LeastConnectionsStrategy(), two);
		List<Exchange> onA = new ArrayList<>();
		for (int i = 0; i < 5; i++) {
			onA.add(startOn(service, a));
		}
		ServiceInstance heavierA = new ServiceInstance("svc", a.uri(), 3);
		service.update(List.of(heavierA, b));
		assertThat(endpoint(service, a).inFlight()).isEqualTo(5);
		assertThat(service.choose(null)).as("(5 + 1) / 3 against (0 + 1) / 1").isEqualTo(b);
		onA.get(0).succeeded();
		onA.get(1).failed();
		assertThat(endpoint(service, a).inFlight()).isEqualTo(3);

		service.update(List.of(b));
		service.update(List.of(heavierA, b));
		assertThat(endpoint(service, a).inFlight()).isEqualTo(3);
		onA.subList(2, 5).forEach(Exchange::succeeded);
		assertThat(endpoint(service, a).inFlight()).isZero();
		assertThat(endpoint(service, b).inFlight()).isZero();
	}

	private ServiceBalancer balancer(LoadBalancingStrategy strategy, PassiveHealthPolicy policy,
			List<ServiceInstance> instances) {
		return new ServiceBalancer("svc", strategy, policy, RetryPolicy.NONE, Set.of(503), instances, this.clock::get);
	}

	private static List<ServiceInstance> instances(int count) {
		List<ServiceInstance> instances = new ArrayList<>();
		for (int i = 1; i <= count; i++) {
			instances.add(new ServiceInstance("svc", "http://10.0.0." + i + ":8080", 1));
		}
		return instances;
	}

	private static void fail(ServiceBalancer service, ServiceInstance instance, int times) {
		for (int i = 0; i < times; i++) {
			startOn(service, instance).failed();
		}
	}

	// Every other instance counts as tried, so only this one can be picked.
	private static Exchange startOn(ServiceBalancer service, ServiceInstance instance) {
		List<ServiceInstance> others = service.endpoints()
			.stream()
			.map(Endpoint::instance)
			.filter((other) -> !other.equals(instance))
			.toList();
		Exchange exchange = service.start(null, others);
		assertThat(exchange.instance()).isEqualTo(instance);
		return exchange;
	}

	private static Endpoint endpoint(ServiceBalancer service, ServiceInstance instance) {
		return service.endpoints().stream().filter((endpoint) -> endpoint.instance().equals(instance)).findFirst()
			.orElseThrow();
	}

}
