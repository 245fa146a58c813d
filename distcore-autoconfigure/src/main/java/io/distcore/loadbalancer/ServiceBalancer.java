package io.distcore.loadbalancer;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.function.Predicate;

import io.distcore.loadbalancer.health.InstanceHealth;
import io.distcore.loadbalancer.health.PassiveHealthPolicy;
import io.distcore.loadbalancer.health.ServiceHealth;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.util.Assert;

/**
 * The balancer of one service: its current membership, the selector its strategy built for it, its passive
 * health and its retry policy. {@link #update(List)} swaps the membership (from configuration or discovery)
 * while requests keep being served from the previous one; endpoints of instances that stay keep their health
 * and in-flight counts.
 */
public final class ServiceBalancer {

	private static final Log logger = LogFactory.getLog(ServiceBalancer.class);

	private static final Predicate<Endpoint> ANY = (endpoint) -> true;

	private static final Predicate<Endpoint> AVAILABLE = (endpoint) -> !endpoint.health().isEjected();

	private final String serviceId;

	private final LoadBalancingStrategy strategy;

	private final ServiceHealth health;

	private final RetryPolicy retryPolicy;

	private final Set<Integer> failureStatuses;

	private volatile Membership membership;

	private volatile LoadBalancerListener listener = LoadBalancerListener.NONE;

	// Endpoints that left while requests were in flight on them: an instance that comes back continues their count,
	// so that the completions of those requests still match. Guarded by this; dropped once drained.
	private final Map<ServiceInstance, Endpoint> departed = new HashMap<>();

	/**
	 * @param serviceId the service's name, the host of its load-balanced URLs
	 * @param strategy how its instances share requests
	 * @param healthPolicy passive health settings
	 * @param retryPolicy when requests are sent again
	 * @param failureStatuses response statuses that count as failures of the instance
	 * @param instances initial instances; may be empty when discovery supplies them later
	 * @param clock monotonic nanoseconds, as {@link System#nanoTime()} gives them: passive health (ejections, their
	 * end, warm-ups) is timed by it
	 */
	public ServiceBalancer(String serviceId, LoadBalancingStrategy strategy, PassiveHealthPolicy healthPolicy,
			RetryPolicy retryPolicy, Set<Integer> failureStatuses, List<ServiceInstance> instances, LongSupplier clock) {
		Assert.hasText(serviceId, "Service id must not be empty");
		Assert.notNull(strategy, "Strategy must not be null");
		Assert.notNull(retryPolicy, "Retry policy must not be null");
		Assert.notNull(failureStatuses, "Failure statuses must not be null");
		this.serviceId = serviceId;
		this.strategy = strategy;
		this.health = new ServiceHealth(healthPolicy, clock);
		this.retryPolicy = retryPolicy;
		this.failureStatuses = Set.copyOf(failureStatuses);
		this.membership = new Membership(List.of(), null);
		update(instances, false);
	}

	/**
	 * A balancer timed by {@link System#nanoTime()}.
	 * @param serviceId the service's name, the host of its load-balanced URLs
	 * @param strategy how its instances share requests
	 * @param healthPolicy passive health settings
	 * @param retryPolicy when requests are sent again
	 * @param failureStatuses response statuses that count as failures of the instance
	 * @param instances initial instances; may be empty when discovery supplies them later
	 */
	public ServiceBalancer(String serviceId, LoadBalancingStrategy strategy, PassiveHealthPolicy healthPolicy,
			RetryPolicy retryPolicy, Set<Integer> failureStatuses, List<ServiceInstance> instances) {
		this(serviceId, strategy, healthPolicy, retryPolicy, failureStatuses, instances, System::nanoTime);
	}

	/**
	 * A balancer with default health and retry policies.
	 */
	public ServiceBalancer(String serviceId, LoadBalancingStrategy strategy, List<ServiceInstance> instances) {
		this(serviceId, strategy, PassiveHealthPolicy.DEFAULT, RetryPolicy.DEFAULT, Set.of(500, 502, 503, 504),
				instances);
	}

	public String serviceId() {
		return this.serviceId;
	}

	public RetryPolicy retryPolicy() {
		return this.retryPolicy;
	}

	public ServiceHealth health() {
		return this.health;
	}

	/**
	 * Whether a response status counts as a failure of the instance for passive health.
	 */
	public boolean isFailureStatus(int status) {
		return this.failureStatuses.contains(status);
	}

	/**
	 * The current endpoints, in membership order.
	 */
	public List<Endpoint> endpoints() {
		return this.membership.endpoints;
	}

	/**
	 * Replaces the membership. Instances are identified by service and URL ({@link ServiceInstance#equals}): one
	 * that stays keeps its in-flight count and health even with a new weight, one that leaves and comes back
	 * continues the in-flight count of the requests still running on it (with fresh health), and one listed twice
	 * counts once, with its first weight. New instances warm up if slow start is on; the strategy builds its
	 * selector here, on the caller's thread.
	 */
	public void update(List<ServiceInstance> instances) {
		update(instances, true);
	}

	private synchronized void update(List<ServiceInstance> instances, boolean warmUpNewcomers) {
		Assert.notNull(instances, "Instances must not be null");
		long now = this.health.nanoTime();
		Map<ServiceInstance, Endpoint> leaving = new HashMap<>();
		for (Endpoint endpoint : this.membership.endpoints) {
			leaving.put(endpoint.instance(), endpoint);
		}
		Map<ServiceInstance, Endpoint> endpoints = new LinkedHashMap<>();
		for (ServiceInstance instance : instances) {
			Assert.isTrue(instance.serviceId().equals(this.serviceId),
					() -> instance + " is not an instance of " + this.serviceId);
			if (endpoints.containsKey(instance)) {
				continue;
			}
			Endpoint known = leaving.remove(instance);
			Endpoint endpoint;
			if (known == null) {
				Endpoint gone = this.departed.remove(instance);
				InstanceHealth health = this.health.newInstance(warmUpNewcomers, now);
				endpoint = (gone != null) ? new Endpoint(instance, health, gone.inFlightCounter())
						: new Endpoint(instance, health);
			}
			else if (known.instance().weight() != instance.weight()) {
				endpoint = new Endpoint(instance, known.health(), known.inFlightCounter());
			}
			else {
				endpoint = known;
			}
			endpoints.put(instance, endpoint);
		}
		this.departed.values().removeIf((endpoint) -> endpoint.inFlight() == 0);
		leaving.values().stream().filter((endpoint) -> endpoint.inFlight() > 0)
			.forEach((endpoint) -> this.departed.put(endpoint.instance(), endpoint));
		List<Endpoint> members = List.copyOf(endpoints.values());
		InstanceSelector selector = members.isEmpty() ? null
				: this.strategy.create(members, this.membership.selector);
		this.health.membershipChanged(members.stream().map(Endpoint::health).toList());
		this.membership = new Membership(members, selector);
	}

	/**
	 * Picks an instance without tracking a request (for clients that only need an address).
	 * @param hashKey affinity key for consistent hashing, or {@code null}
	 * @throws NoAvailableInstanceException if the service has no instance
	 */
	public ServiceInstance choose(String hashKey) {
		return select(hashKey).instance();
	}

	/**
	 * Picks an instance for a request and counts the request in flight until the returned exchange completes.
	 * @param hashKey affinity key for consistent hashing, or {@code null}
	 * @param tried instances this request already tried: never picked again
	 * @throws NoAvailableInstanceException if the service has no instance, or all were tried
	 */
	public Exchange start(String hashKey, Collection<ServiceInstance> tried) {
		Membership membership = this.membership;
		InstanceSelector selector = requireSelector(membership);
		Endpoint endpoint;
		if (tried.isEmpty()) {
			endpoint = selector.start(hashKey, healthy() ? AVAILABLE : ANY);
			if (endpoint == null) {
				endpoint = selector.start(hashKey, ANY);
			}
		}
		else {
			Predicate<Endpoint> untried = (candidate) -> !tried.contains(candidate.instance());
			endpoint = selector.start(hashKey, healthy() ? untried.and(AVAILABLE) : untried);
			if (endpoint == null) {
				endpoint = selector.start(hashKey, untried);
			}
		}
		if (endpoint == null) {
			throw new NoAvailableInstanceException(this.serviceId, "Every instance of '" + this.serviceId
					+ "' was tried already (" + membership.endpoints.size() + " instance(s))");
		}
		Exchange exchange = new Exchange(this, endpoint);
		try {
			this.listener.chosen(this.serviceId, endpoint.instance(), !tried.isEmpty());
		}
		catch (RuntimeException ex) {
			logger.warn("Load balancer listener " + this.listener + " failed; ignored", ex);
		}
		return exchange;
	}

	/**
	 * Sets who is told of the picks and ejections of this service.
	 * @param listener the listener, {@link LoadBalancerListener#NONE} for nobody
	 */
	public void setListener(LoadBalancerListener listener) {
		this.listener = (listener != null) ? listener : LoadBalancerListener.NONE;
	}

	private Endpoint select(String hashKey) {
		InstanceSelector selector = requireSelector(this.membership);
		Endpoint endpoint = selector.select(hashKey, healthy() ? AVAILABLE : ANY);
		// Every instance ejected at once (the cap allows it when it is 100 %): use them all rather than none.
		return (endpoint != null) ? endpoint : selector.select(hashKey, ANY);
	}

	// Whether this pick respects health (no panic); first ends the ejections that are over, in every mode.
	private boolean healthy() {
		ServiceHealth health = this.health;
		if (health.ejectedCount() > 0) {
			health.endEjections(health.nanoTime());
		}
		return !health.isPanicking();
	}

	private InstanceSelector requireSelector(Membership membership) {
		if (membership.selector == null) {
			throw new NoAvailableInstanceException(this.serviceId,
					"Service '" + this.serviceId + "' has no instance");
		}
		return membership.selector;
	}

	void record(Endpoint endpoint, boolean failure) {
		if (failure) {
			if (this.health.recordFailure(endpoint.health(), this.health.nanoTime())) {
				try {
					this.listener.ejected(this.serviceId, endpoint.instance());
				}
				catch (RuntimeException ex) {
					logger.warn("Load balancer listener " + this.listener + " failed; ignored", ex);
				}
			}
		}
		else {
			this.health.recordSuccess(endpoint.health());
		}
	}

	@Override
	public String toString() {
		return this.serviceId + " " + this.membership.endpoints;
	}

	private record Membership(List<Endpoint> endpoints, InstanceSelector selector) {
	}

}
