package io.distcore.loadbalancer.health;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Passive health of one instance: failures in a row, ejection and warm-up. Updated by {@link ServiceHealth}
 * without locks or allocation; read by strategies on every pick.
 */
public final class InstanceHealth {

	private static final long NOT_EJECTED = 0;

	private final ServiceHealth service;

	private final AtomicInteger consecutiveFailures = new AtomicInteger();

	private final AtomicLong ejectedUntil = new AtomicLong(NOT_EJECTED);

	private final AtomicInteger timesEjected = new AtomicInteger();

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
	 * Whether the instance may take requests: it is not ejected, or its ejection has ended (the first caller to
	 * notice the end brings the instance back).
	 * @param nanoTime the current {@link System#nanoTime()}
	 */
	public boolean isAvailable(long nanoTime) {
		long until = this.ejectedUntil.get();
		if (until == NOT_EJECTED) {
			return true;
		}
		if (nanoTime - until < 0) {
			return false;
		}
		if (this.ejectedUntil.compareAndSet(until, NOT_EJECTED)) {
			this.service.returned(this, nanoTime);
		}
		return true;
	}

	/**
	 * Whether the instance is ejected, or was and nobody noticed the end of its ejection yet.
	 */
	public boolean isEjected() {
		return this.ejectedUntil.get() != NOT_EJECTED;
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
	 * Failures in a row since the last success.
	 */
	public int consecutiveFailures() {
		return this.consecutiveFailures.get();
	}

	/**
	 * How many times the instance was ejected so far.
	 */
	public int timesEjected() {
		return this.timesEjected.get();
	}

	AtomicInteger failureCounter() {
		return this.consecutiveFailures;
	}

	AtomicLong ejectedUntil() {
		return this.ejectedUntil;
	}

	AtomicInteger ejectionCounter() {
		return this.timesEjected;
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
