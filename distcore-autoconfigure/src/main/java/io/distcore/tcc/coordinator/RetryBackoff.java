package io.distcore.tcc.coordinator;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

import org.springframework.util.Assert;

/**
 * Waits between phase-two attempts: exponential from an initial interval, capped, with part of each wait chosen at
 * random so that the retries of many transactions that failed together spread out.
 */
public final class RetryBackoff {

	private final Duration initialInterval;

	private final double multiplier;

	private final Duration maxInterval;

	private final double jitter;

	/**
	 * @param initialInterval wait before the first retry, positive
	 * @param multiplier growth per failed attempt, at least 1
	 * @param maxInterval longest wait, at least {@code initialInterval}
	 * @param jitter fraction of each wait chosen at random, 0 to 1
	 */
	public RetryBackoff(Duration initialInterval, double multiplier, Duration maxInterval, double jitter) {
		Assert.isTrue(initialInterval != null && initialInterval.toMillis() > 0, "initialInterval must be positive");
		Assert.isTrue(multiplier >= 1.0, "multiplier must be at least 1");
		Assert.isTrue(maxInterval != null && maxInterval.compareTo(initialInterval) >= 0,
				"maxInterval must be at least initialInterval");
		Assert.isTrue(jitter >= 0.0 && jitter <= 1.0, "jitter must be between 0 and 1");
		this.initialInterval = initialInterval;
		this.multiplier = multiplier;
		this.maxInterval = maxInterval;
		this.jitter = jitter;
	}

	/**
	 * The wait after a number of failed attempts.
	 * @param failedAttempts failed attempts so far, at least 1
	 * @return the wait, between {@code (1 - jitter)} times and once the capped exponential wait
	 */
	public Duration delay(int failedAttempts) {
		double base = this.initialInterval.toMillis() * Math.pow(this.multiplier, Math.max(0, failedAttempts - 1));
		double capped = Math.min(base, this.maxInterval.toMillis());
		// Jitter only shortens the wait, so the cap holds.
		double wait = capped * (1.0 - this.jitter * ThreadLocalRandom.current().nextDouble());
		return Duration.ofMillis(Math.max(1, Math.round(wait)));
	}

}
