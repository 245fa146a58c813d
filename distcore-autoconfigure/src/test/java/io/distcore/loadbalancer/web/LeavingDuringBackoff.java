package io.distcore.loadbalancer.web;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import io.distcore.loadbalancer.RetryPolicy;
import io.distcore.loadbalancer.ServiceBalancer;
import io.distcore.loadbalancer.ServiceInstance;
import io.distcore.loadbalancer.health.PassiveHealthPolicy;
import io.distcore.loadbalancer.strategy.RoundRobinStrategy;

import static org.awaitility.Awaitility.await;

/**
 * A service of two instances with one retry after a 500 ms back-off, whose second instance leaves the membership
 * as soon as the first one took a request (a rolling deploy seen through discovery): the instance the retry would
 * use is gone when the back-off ends.
 */
final class LeavingDuringBackoff {

	private final ServiceBalancer service;

	private final Thread discovery;

	LeavingDuringBackoff(TestHttpServer first, TestHttpServer leaving, Set<Integer> failureStatuses) {
		ServiceInstance staying = new ServiceInstance("inventory", first.url(), 1);
		this.service = new ServiceBalancer("inventory", new RoundRobinStrategy(), PassiveHealthPolicy.DEFAULT,
				new RetryPolicy(1, Duration.ofMillis(500), Set.of(502, 503, 504), false), failureStatuses,
				List.of(staying, new ServiceInstance("inventory", leaving.url(), 1)));
		this.discovery = new Thread(() -> {
			await().atMost(Duration.ofSeconds(10)).until(() -> first.hits() >= 1);
			this.service.update(List.of(staying));
		});
		this.discovery.start();
	}

	ServiceBalancer service() {
		return this.service;
	}

	void awaitLeft() throws InterruptedException {
		this.discovery.join();
	}

}
