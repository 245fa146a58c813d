package io.distcore.loadbalancer.health;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

import org.springframework.util.Assert;

/**
 * Passive health of one service: records the outcome of each exchange, ejects and brings back instances, and
 * tells when too few are healthy to respect health at all (panic). Lock-free and allocation-free.
 */
public final class ServiceHealth {

	private final PassiveHealthPolicy policy;

	private final AtomicInteger ejected = new AtomicInteger();

	private final LongSupplier clock;

	private volatile int size;

	/**
	 * @param policy the settings
	 * @param clock monotonic nanoseconds, as {@link System#nanoTime()} gives them: ejections and warm-ups are timed
	 * by it
	 */
	public ServiceHealth(PassiveHealthPolicy policy, LongSupplier clock) {
		Assert.notNull(policy, "Policy must not be null");
		Assert.notNull(clock, "Clock must not be null");
		this.policy = policy;
		this.clock = clock;
	}

	/**
	 * Health timed by {@link System#nanoTime()}.
	 */
	public ServiceHealth(PassiveHealthPolicy policy) {
		this(policy, System::nanoTime);
	}

	public PassiveHealthPolicy policy() {
		return this.policy;
	}

	/**
	 * The current time by this service's clock.
	 */
	public long nanoTime() {
		return this.clock.getAsLong();
	}

	/**
	 * Creates the health of an instance of this service.
	 * @param warmUp whether the instance starts warming up (it joined a running service)
	 */
	public InstanceHealth newInstance(boolean warmUp, long nanoTime) {
		return new InstanceHealth(this, warmUp, nanoTime);
	}

	/**
	 * Sets the number of instances of the current membership, for the ejection cap and panic mode.
	 */
	public void membershipChanged(int size, int ejectedMembers) {
		this.size = size;
		this.ejected.set(ejectedMembers);
	}

	/**
	 * Whether so few instances are healthy that all of them should be used.
	 */
	public boolean isPanicking() {
		int total = this.size;
		return total > 0 && (total - this.ejected.get()) < this.policy.panicThreshold() * total;
	}

	/**
	 * Instances ejected right now (ejections that ended but nobody noticed yet still count).
	 */
	public int ejectedCount() {
		return this.ejected.get();
	}

	public void recordSuccess(InstanceHealth instance) {
		if (instance.failureCounter().get() != 0) {
			instance.failureCounter().set(0);
		}
	}

	/**
	 * Records a failed exchange (connect error, timeout or a failure status); the failure that completes a run
	 * of {@code consecutiveFailures} ejects the instance if the cap allows.
	 */
	public void recordFailure(InstanceHealth instance, long nanoTime) {
		int threshold = this.policy.consecutiveFailures();
		int failures = instance.failureCounter().incrementAndGet();
		if (threshold == 0 || failures < threshold || instance.ejectedUntil().get() != 0) {
			return;
		}
		if (!reserveEjection()) {
			return;
		}
		int times = instance.ejectionCounter().incrementAndGet();
		long base = this.policy.baseEjectionTime().toNanos();
		long duration = Math.min(this.policy.maxEjectionTime().toNanos(),
				(times > this.policy.maxEjectionTime().toNanos() / base) ? Long.MAX_VALUE : base * times);
		// 0 means "not ejected", so an ejection ending exactly at nanoTime 0 is nudged by one nanosecond.
		long until = nanoTime + duration;
		if (!instance.ejectedUntil().compareAndSet(0, (until != 0) ? until : 1)) {
			this.ejected.decrementAndGet();
			return;
		}
		instance.failureCounter().set(0);
		instance.endWarmUp();
	}

	private boolean reserveEjection() {
		int max = (int) Math.floor(this.policy.maxEjectedShare() * this.size);
		while (true) {
			int current = this.ejected.get();
			if (current >= max) {
				return false;
			}
			if (this.ejected.compareAndSet(current, current + 1)) {
				return true;
			}
		}
	}

	void returned(InstanceHealth instance, long nanoTime) {
		this.ejected.decrementAndGet();
		if (this.policy.slowStart().toNanos() > 0) {
			instance.startWarmUp(nanoTime);
		}
	}

	double warmUpFactor(InstanceHealth instance, long nanoTime) {
		long window = this.policy.slowStart().toNanos();
		long elapsed = nanoTime - instance.warmUpStart();
		if (window <= 0 || elapsed >= window) {
			instance.endWarmUp();
			return 1.0;
		}
		double min = this.policy.slowStartMinWeight();
		return min + (1.0 - min) * Math.max(0, elapsed) / window;
	}

}
