package io.distcore.loadbalancer.health;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Passive health of one instance: failures in a row, ejection and warm-up. Read by strategies on every pick
 * without locks; failures are counted without locks too, while an ejection and its end are decided by
 * {@link ServiceHealth} under its monitor, together with the service's count of ejected instances.
 */
public final class InstanceHealth {

	static final long NOT_EJECTED = 0;

	private final ServiceHealth service;

	private final AtomicInteger consecutiveFailures = new AtomicInteger();

	// Written under the service's monitor only.
	private volatile long ejectedUntil = NOT_EJECTED;

	private volatile int timesEjected;

	// End of the last ejection, as scheduled; meaningful once timesEjected > 0 and the instance is not ejected.
	private volatile long lastEjectionEnd;

	// Whether the instance is in the service's current membership; guarded by the service's monitor.
	boolean member;

	// nanoTime at which a warm-up began; only meaningful while warmingUp is true.
	private volatile long warmUpStart;

	private volatile boolean warmingUp;

	/**
	 * Health of an instance outside any service: always available, never warming up.
	 */
	public InstanceHealth() {
		this.service = null;
	}

	InstanceHealth(ServiceHealth service, boolean warmUp, long nanoTime) {
		this.service = service;
		if (warmUp && service.policy().slowStart().toNanos() > 0) {
			startWarmUp(nanoTime);
		}
	}

	/**
	 * Whether the instance is ejected: picks that respect health pass it by. An ejection ends by time at the
	 * first pick of its service after its end, whether or not that pick respects health.
	 */
	public boolean isEjected() {
		return this.ejectedUntil != NOT_EJECTED;
	}

	/**
	 * Share of its weight the instance gets now, in (0, 1]: 1 unless it is warming up. Reads the service's clock
	 * only while it warms up.
	 */
	public double warmUpFactor() {
		if (!this.warmingUp) {
			return 1.0;
		}
		return this.service.warmUpFactor(this, this.service.nanoTime());
	}

	/**
	 * Failures in a row since the last success or the end of the last ejection.
	 */
	public int consecutiveFailures() {
		return this.consecutiveFailures.get();
	}

	/**
	 * The ejection multiplier as of the last ejection: how many times the instance was ejected, less one for
	 * every base ejection time it had spent out of ejection before each of them.
	 */
	public int timesEjected() {
		return this.timesEjected;
	}

	/**
	 * How long the current ejection still lasts as scheduled; zero when the instance is not ejected (or its
	 * ejection is over and ends at its service's next pick).
	 * @param nanoTime the current time by {@link ServiceHealth#nanoTime()}
	 */
	public Duration ejectionLeft(long nanoTime) {
		long until = this.ejectedUntil;
		return (until == NOT_EJECTED) ? Duration.ZERO : Duration.ofNanos(Math.max(0, until - nanoTime));
	}

	ServiceHealth service() {
		return this.service;
	}

	AtomicInteger failureCounter() {
		return this.consecutiveFailures;
	}

	long ejectedUntil() {
		return this.ejectedUntil;
	}

	void eject(long until, int times) {
		this.ejectedUntil = until;
		this.timesEjected = times;
		this.consecutiveFailures.set(0);
		this.warmingUp = false;
	}

	long lastEjectionEnd() {
		return this.lastEjectionEnd;
	}

	void endEjection() {
		this.lastEjectionEnd = this.ejectedUntil;
		this.ejectedUntil = NOT_EJECTED;
		this.consecutiveFailures.set(0);
	}

	long warmUpStart() {
		return this.warmUpStart;
	}

	void startWarmUp(long nanoTime) {
		this.warmUpStart = nanoTime;
		this.warmingUp = true;
	}

	void endWarmUp() {
		this.warmingUp = false;
	}

}
