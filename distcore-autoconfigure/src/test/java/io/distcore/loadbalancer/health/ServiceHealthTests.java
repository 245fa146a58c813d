package io.distcore.loadbalancer.health;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.ServiceInstance;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

class ServiceHealthTests {

	private static final long SECOND = 1_000_000_000L;

	private final PassiveHealthPolicy policy = new PassiveHealthPolicy(3, Duration.ofSeconds(10), Duration.ofSeconds(25),
			0.5, 0.5, Duration.ofSeconds(20), 0.1);

	@Test
	void ejectionGrowsWithTimesEjectedUpToTheMaximum() {
		ServiceHealth service = new ServiceHealth(this.policy);
		InstanceHealth instance = members(service, 4)[0];
		long now = 1000 * SECOND;
		long[] expected = { 10, 20, 25, 25 };
		for (long seconds : expected) {
			fail(service, instance, 3, now);
			service.endEjections(now + seconds * SECOND - 1);
			assertThat(instance.isEjected()).isTrue();
			service.endEjections(now + seconds * SECOND);
			assertThat(instance.isEjected()).isFalse();
			now += seconds * SECOND;
		}
		assertThat(instance.timesEjected()).isEqualTo(4);
		assertThat(service.ejectedCount()).isZero();
	}

	@Test
	void successResetsTheRunOfFailures() {
		ServiceHealth service = new ServiceHealth(this.policy);
		InstanceHealth instance = members(service, 4)[0];
		fail(service, instance, 2, 0);
		service.recordSuccess(instance);
		fail(service, instance, 2, 0);
		assertThat(instance.isEjected()).isFalse();
		fail(service, instance, 1, 0);
		assertThat(instance.isEjected()).isTrue();
	}

	@Test
	void atMostTheConfiguredShareIsEjectedAndPanicUsesEveryone() {
		ServiceHealth service = new ServiceHealth(new PassiveHealthPolicy(1, Duration.ofSeconds(10),
				Duration.ofSeconds(10), 1.0, 0.5, Duration.ZERO, 0.1));
		InstanceHealth[] instances = members(service, 4);
		fail(service, instances[0], 1, 0);
		assertThat(service.isPanicking()).isFalse();
		fail(service, instances[1], 1, 0);
		assertThat(service.isPanicking()).isFalse();
		fail(service, instances[2], 1, 0);
		assertThat(service.isPanicking()).isTrue();

		ServiceHealth capped = new ServiceHealth(this.policy);
		for (InstanceHealth instance : members(capped, 4)) {
			fail(capped, instance, 3, 0);
		}
		assertThat(capped.ejectedCount()).isEqualTo(2);
	}

	@Test
	void returningInstanceWarmsUpLinearly() {
		AtomicLong clock = new AtomicLong();
		ServiceHealth service = new ServiceHealth(this.policy, clock::get);
		InstanceHealth health = members(service, 4)[0];
		Endpoint endpoint = new Endpoint(new ServiceInstance("svc", "http://a", 2), health);
		assertThat(endpoint.scaledWeight()).isEqualTo(2 * Endpoint.WEIGHT_SCALE);
		fail(service, health, 3, 0);
		long back = 10 * SECOND;
		clock.set(back);
		service.endEjections(back);
		assertThat(health.isEjected()).isFalse();
		assertThat(health.warmUpFactor()).isCloseTo(0.1, offset(1e-9));
		clock.set(back + 10 * SECOND);
		assertThat(health.warmUpFactor()).isCloseTo(0.55, offset(1e-9));
		assertThat(endpoint.scaledWeight()).isEqualTo((long) (2 * Endpoint.WEIGHT_SCALE * 0.55));
		clock.set(back + 20 * SECOND);
		assertThat(health.warmUpFactor()).isEqualTo(1.0);
		clock.set(back + 5 * SECOND);
		assertThat(health.warmUpFactor()).isEqualTo(1.0);
	}

	@Test
	void newcomerWarmsUpOnlyWhenAskedTo() {
		ServiceHealth service = new ServiceHealth(this.policy, () -> 0);
		assertThat(service.newInstance(false, 0).warmUpFactor()).isEqualTo(1.0);
		assertThat(service.newInstance(true, 0).warmUpFactor()).isEqualTo(0.1);
	}

	private static InstanceHealth[] members(ServiceHealth service, int count) {
		InstanceHealth[] members = new InstanceHealth[count];
		for (int i = 0; i < count; i++) {
			members[i] = service.newInstance(false, 0);
		}
		service.membershipChanged(List.of(members));
		return members;
	}

	private static void fail(ServiceHealth service, InstanceHealth instance, int times, long now) {
		for (int i = 0; i < times; i++) {
			service.recordFailure(instance, now);
		}
	}

}
