package io.distcore.loadbalancer.health;

import java.time.Duration;

import org.springframework.util.Assert;

/**
 * Settings of passive health checking for one service, after Envoy's outlier detection: an instance that fails
 * {@code consecutiveFailures} times in a row is ejected for {@code baseEjectionTime} × the number of times it
 * was ejected (capped at {@code maxEjectionTime}); at most {@code maxEjectedShare} of the instances are ejected at
 * once; when fewer than {@code panicThreshold} of them are healthy, health is ignored and all are used. A
 * {@code slowStart} window ramps the weight of a new or returning instance up from {@code slowStartMinWeight}.
 *
 * @param consecutiveFailures failures in a row that eject an instance; 0 disables ejection
 * @param baseEjectionTime ejection time of a first ejection
 * @param maxEjectionTime longest ejection
 * @param maxEjectedShare largest share of instances ejected at once, in [0, 1]
 * @param panicThreshold share of healthy instances below which health is ignored, in [0, 1]
 * @param slowStart warm-up window of a new or returning instance; zero disables slow start
 * @param slowStartMinWeight share of its weight an instance gets at the start of its warm-up, in (0, 1]
 */
public record PassiveHealthPolicy(int consecutiveFailures, Duration baseEjectionTime, Duration maxEjectionTime,
		double maxEjectedShare, double panicThreshold, Duration slowStart, double slowStartMinWeight) {

	/**
	 * Ejection after 5 failures in a row for 30 s × times ejected (at most 5 min), at most half of the instances
	 * ejected, panic below half healthy, no slow start.
	 */
	public static final PassiveHealthPolicy DEFAULT = new PassiveHealthPolicy(5, Duration.ofSeconds(30),
			Duration.ofMinutes(5), 0.5, 0.5, Duration.ZERO, 0.1);

	public PassiveHealthPolicy {
		Assert.isTrue(consecutiveFailures >= 0, "Consecutive failures must not be negative");
		Assert.isTrue(baseEjectionTime != null && baseEjectionTime.toNanos() > 0, "Base ejection time must be positive");
		Assert.isTrue(maxEjectionTime != null && maxEjectionTime.compareTo(baseEjectionTime) >= 0,
				"Max ejection time must not be shorter than the base ejection time");
		Assert.isTrue(maxEjectedShare >= 0 && maxEjectedShare <= 1, "Max ejected share must be in [0, 1]");
		Assert.isTrue(panicThreshold >= 0 && panicThreshold <= 1, "Panic threshold must be in [0, 1]");
		Assert.isTrue(slowStart != null && !slowStart.isNegative(), "Slow start must not be negative");
		Assert.isTrue(slowStartMinWeight > 0 && slowStartMinWeight <= 1, "Slow start min weight must be in (0, 1]");
	}

}
