package io.distcore.loadbalancer;

import java.util.concurrent.atomic.AtomicInteger;

import io.distcore.loadbalancer.health.InstanceHealth;

import org.springframework.util.Assert;

/**
 * A {@link ServiceInstance} with what the balancer knows about it right now: its requests in flight and its
 * passive health. One endpoint object lives as long as its instance stays in the membership with the same weight,
 * so strategies may keep per-endpoint state keyed by identity; a new weight gives a new endpoint object that
 * shares the in-flight count and health of the old one (a strategy that carries state across weight changes keys
 * it by {@link #instance()}, which is equal for both).
 */
public final class Endpoint {

	/**
	 * Scale of {@link #scaledWeight()}: a weight of 1 at full strength.
	 */
	public static final long WEIGHT_SCALE = 1024;

	private final ServiceInstance instance;

	private final InstanceHealth health;

	private final AtomicInteger inFlight;

	public Endpoint(ServiceInstance instance, InstanceHealth health) {
		this(instance, health, new AtomicInteger());
	}

	// Shares an in-flight count with an endpoint of the same instance, so that completions of requests counted on
	// either endpoint match.
	Endpoint(ServiceInstance instance, InstanceHealth health, AtomicInteger inFlight) {
		Assert.notNull(instance, "Instance must not be null");
		Assert.notNull(health, "Health must not be null");
		this.instance = instance;
		this.health = health;
		this.inFlight = inFlight;
	}

	/**
	 * An endpoint that is always healthy and never warms up, for strategies used on their own.
	 */
	public Endpoint(ServiceInstance instance) {
		this(instance, new InstanceHealth());
	}

	public ServiceInstance instance() {
		return this.instance;
	}

	public InstanceHealth health() {
		return this.health;
	}

	/**
	 * Requests sent to this endpoint whose exchange (including a streamed body) has not ended yet.
	 */
	public int inFlight() {
		return this.inFlight.get();
	}

	AtomicInteger inFlightCounter() {
		return this.inFlight;
	}

	/**
	 * Counts a request in; every call is matched by one {@link #requestEnded()}.
	 */
	public void requestStarted() {
		this.inFlight.incrementAndGet();
	}

	/**
	 * Counts a request in if fewer than {@code limit} are in flight: one compare-and-set, so concurrent callers
	 * never take the count past the limit.
	 * @return whether the request was counted in (then it is matched by one {@link #requestEnded()})
	 */
	public boolean tryRequestStarted(int limit) {
		for (int current = this.inFlight.get(); current < limit; current = this.inFlight.get()) {
			if (this.inFlight.compareAndSet(current, current + 1)) {
				return true;
			}
		}
		return false;
	}

	public void requestEnded() {
		this.inFlight.decrementAndGet();
	}

	/**
	 * Weight times {@link #WEIGHT_SCALE}, reduced while the endpoint warms up after joining or returning from
	 * ejection; never below 1 so that a warming endpoint still gets an occasional request. Reads the service's
	 * clock only while the endpoint warms up.
	 */
	public long scaledWeight() {
		long full = this.instance.weight() * WEIGHT_SCALE;
		double factor = this.health.warmUpFactor();
		return (factor >= 1.0) ? full : Math.max(1L, (long) (full * factor));
	}

	@Override
	public String toString() {
		return this.instance.toString();
	}

}
