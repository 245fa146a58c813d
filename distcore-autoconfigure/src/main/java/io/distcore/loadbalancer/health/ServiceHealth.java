package io.distcore.loadbalancer.health;

import java.util.List;
import java.util.function.LongSupplier;

import org.springframework.util.Assert;

/**
 * Passive health of one service: records the outcome of each exchange, ejects instances and ends their
 * ejections by time, and tells when too few are healthy to respect health at all (panic). Ejections end by time
 * whatever the mode: {@link #endEjections(long)} runs on every pick while an instance is ejected, also in panic
 * mode, where picks do not look at health.
 * <p>
 * The request path reads without locks and allocates nothing; ejecting, ending an ejection and changing the
 * membership are rare and happen under this object's monitor, so the ejected count is always exactly the
 * number of ejected members, whatever the interleaving.
 */
public final class ServiceHealth {

	private static final InstanceHealth[] NO_MEMBERS = {};

	private final PassiveHealthPolicy policy;

	private final LongSupplier clock;

	// The fields below are written under this object's monitor only.
	private volatile InstanceHealth[] members = NO_MEMBERS;

	private volatile int ejected;

	// Earliest end of a current ejection; meaningful while ejected > 0.
	private volatile long nextEjectionEnd;

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
	 * Creates the health of an instance of this service; it counts once it is part of a
	 * {@link #membershipChanged membership}.
	 * @param warmUp whether the instance starts warming up (it joined a running service)
	 */
	public InstanceHealth newInstance(boolean warmUp, long nanoTime) {
		return new InstanceHealth(this, warmUp, nanoTime);
	}

	/**
	 * Sets the instances of the current membership, for the ejection cap and panic mode. Instances that left stop
	 * counting: a late failure cannot eject them, and their ejection is not counted.
	 */
	public synchronized void membershipChanged(List<InstanceHealth> members) {
		for (InstanceHealth previous : this.members) {
			previous.member = false;
		}
		int count = 0;
		for (InstanceHealth member : members) {
			Assert.isTrue(member.service() == this, "Instance health belongs to another service");
			member.member = true;
			if (member.isEjected()) {
				count = earliestEnd(count, member.ejectedUntil());
			}
		}
		this.members = members.toArray(NO_MEMBERS);
		this.ejected = count;
	}

	/**
	 * Whether so few instances are healthy that all of them should be used.
	 */
	public boolean isPanicking() {
		int total = this.members.length;
		return total > 0 && (total - this.ejected) < this.policy.panicThreshold() * total;
	}

	/**
	 * Instances of the membership ejected right now (an ejection that ended after the last pick still counts).
	 */
	public int ejectedCount() {
		return this.ejected;
	}

	/**
	 * Ends the ejections that are over; cheap when none is: two volatile reads. The balancer calls it before each
	 * pick while {@link #ejectedCount()} is positive.
	 * @param nanoTime the current time by {@link #nanoTime()}
	 */
	public void endEjections(long nanoTime) {
		if (this.ejected == 0 || nanoTime - this.nextEjectionEnd < 0) {
			return;
		}
		synchronized (this) {
			int count = 0;
			for (InstanceHealth member : this.members) {
				long until = member.ejectedUntil();
				if (until == InstanceHealth.NOT_EJECTED) {
					continue;
				}
				if (nanoTime - until >= 0) {
					member.endEjection();
					if (this.policy.slowStart().toNanos() > 0) {
						member.startWarmUp(nanoTime);
					}
				}
				else {
					count = earliestEnd(count, until);
				}
			}
			this.ejected = count;
		}
	}

	// Counts one more ejection ending at the given time, keeping the earliest end; guarded by this.
	private int earliestEnd(int count, long until) {
		if (count == 0 || until - this.nextEjectionEnd < 0) {
			this.nextEjectionEnd = until;
		}
		return count + 1;
	}

	public void recordSuccess(InstanceHealth instance) {
		if (instance.failureCounter().get() != 0) {
			instance.failureCounter().set(0);
		}
	}

	/**
	 * Records a failed exchange (connect error, timeout or a failure status); a failure that completes a run of
	 * {@code consecutiveFailures} ejects the instance if it is a member, not ejected yet, and the cap allows.
	 * @return whether this failure ejected the instance
	 */
	public boolean recordFailure(InstanceHealth instance, long nanoTime) {
		int threshold = this.policy.consecutiveFailures();
		if (threshold == 0 || instance.failureCounter().incrementAndGet() < threshold || instance.isEjected()) {
			return false;
		}
		synchronized (this) {
			if (!instance.member || instance.isEjected() || this.ejected >= maxEjected()) {
				return false;
			}
			long base = this.policy.baseEjectionTime().toNanos();
			int times = decayedTimesEjected(instance, nanoTime, base) + 1;
			long duration = Math.min(this.policy.maxEjectionTime().toNanos(),
					(times > this.policy.maxEjectionTime().toNanos() / base) ? Long.MAX_VALUE : base * times);
			// 0 means "not ejected", so an ejection ending exactly at nanoTime 0 is nudged by one nanosecond.
			long until = nanoTime + duration;
			if (until == InstanceHealth.NOT_EJECTED) {
				until = 1;
			}
			instance.eject(until, times);
			this.ejected = earliestEnd(this.ejected, until);
			return true;
		}
	}

	// As Envoy's max_ejection_percent: a positive share allows at least one ejection once there are two members,
	// so a share meant for a large cluster does not switch passive health off on a small one.
	private int maxEjected() {
		int members = this.members.length;
		int max = (int) Math.floor(this.policy.maxEjectedShare() * members);
		return (max == 0 && this.policy.maxEjectedShare() > 0 && members >= 2) ? 1 : max;
	}

	// As Envoy's ejection multiplier: one less for every base ejection time the instance spent out of ejection
	// since its last one ended, so an instance that failed long ago is ejected for the base time again.
	private static int decayedTimesEjected(InstanceHealth instance, long nanoTime, long base) {
		int times = instance.timesEjected();
		if (times == 0) {
			return 0;
		}
		long healthyFor = nanoTime - instance.lastEjectionEnd();
		return (healthyFor <= 0) ? times : (int) Math.max(0, times - healthyFor / base);
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
