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

	// Envoy's max_ejection_percent "will eject at least one host regardless of the value": 10 % of 5 instances
	// rounds down to none, which would switch passive health off on a small cluster.
	@Test
	void ejectionCapAlwaysAllowsOneEjectionAsEnvoyDoes() {
		ServiceHealth service = new ServiceHealth(new PassiveHealthPolicy(3, Duration.ofSeconds(30),
				Duration.ofMinutes(5), 0.10, 0.5, Duration.ZERO, 0.1));
		InstanceHealth[] instances = members(service, 5);
		fail(service, instances[0], 3, 0);
		assertThat(instances[0].isEjected()).isTrue();
		fail(service, instances[1], 3, 0);
		assertThat(instances[1].isEjected()).isFalse();
		assertThat(service.ejectedCount()).isEqualTo(1);

		ServiceHealth none = new ServiceHealth(new PassiveHealthPolicy(3, Duration.ofSeconds(30),
				Duration.ofMinutes(5), 0.0, 0.5, Duration.ZERO, 0.1));
		InstanceHealth[] never = members(none, 5);
		fail(none, never[0], 3, 0);
		assertThat(none.ejectedCount()).isZero();

		ServiceHealth single = new ServiceHealth(new PassiveHealthPolicy(3, Duration.ofSeconds(30),
				Duration.ofMinutes(5), 0.10, 0.5, Duration.ZERO, 0.1));
		InstanceHealth[] alone = members(single, 1);
		fail(single, alone[0], 3, 0);
		assertThat(single.ejectedCount()).isZero();
	}

	// Envoy's ejection multiplier drops by one for every interval an instance stays healthy: three ejections in a
	// row grow it, an hour without ejection brings the next one back to the base time.
	@Test
	void ejectionMultiplierDecaysWhileTheInstanceStaysHealthy() {
		ServiceHealth service = new ServiceHealth(new PassiveHealthPolicy(1, Duration.ofSeconds(10),
				Duration.ofMinutes(5), 0.5, 0.5, Duration.ZERO, 0.1));
		InstanceHealth instance = members(service, 2)[0];
		long now = SECOND;
		for (long seconds = 10; seconds <= 30; seconds += 10) {
			fail(service, instance, 1, now);
			now += seconds * SECOND;
			service.endEjections(now);
			assertThat(instance.isEjected()).isFalse();
		}
		assertThat(instance.timesEjected()).isEqualTo(3);
		// 15 s healthy: one base ejection time, so the fourth ejection is 3 x 10 s, not 4 x.
		now += 15 * SECOND;
		fail(service, instance, 1, now);
		service.endEjections(now + 30 * SECOND - 1);
		assertThat(instance.isEjected()).isTrue();
		service.endEjections(now + 30 * SECOND);
		assertThat(instance.isEjected()).isFalse();
		now += 30 * SECOND;
		// An hour healthy: back to the base time.
		now += 3600 * SECOND;
		fail(service, instance, 1, now);
		assertThat(instance.timesEjected()).isEqualTo(1);
		service.endEjections(now + 10 * SECOND - 1);
		assertThat(instance.isEjected()).isTrue();
		service.endEjections(now + 10 * SECOND);
		assertThat(instance.isEjected()).as("ejected for the base time after an hour healthy").isFalse();
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
