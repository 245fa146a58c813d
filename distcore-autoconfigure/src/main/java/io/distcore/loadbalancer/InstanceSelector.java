package io.distcore.loadbalancer;

import java.util.function.Predicate;

/**
 * Picks an endpoint for one request, for one fixed membership. Built by a {@link LoadBalancingStrategy}.
 */
@FunctionalInterface
public interface InstanceSelector {

	/**
	 * Picks an endpoint that the filter accepts. Called concurrently on the request path: implementations must
	 * not block on I/O and should not allocate. The filter is cheap and may be called several times.
	 * @param hashKey the request's affinity key, or {@code null} when it has none; strategies that do not hash
	 * ignore it
	 * @param eligible which endpoints may be picked (healthy ones, ones not yet tried by this request)
	 * @return the endpoint, or {@code null} when the filter accepts none
	 */
	Endpoint select(String hashKey, Predicate<Endpoint> eligible);

	/**
	 * Picks an endpoint as {@link #select} does and counts a request in flight on it, for a request that is about
	 * to be sent. A strategy that bounds loads overrides it to make its check and the count one atomic step
	 * ({@link Endpoint#tryRequestStarted(int)}), so that concurrent picks cannot take an endpoint past the bound.
	 * @param hashKey the request's affinity key, or {@code null}
	 * @param eligible which endpoints may be picked
	 * @return the endpoint, its count already raised, or {@code null} when the filter accepts none
	 */
	default Endpoint start(String hashKey, Predicate<Endpoint> eligible) {
		Endpoint endpoint = select(hashKey, eligible);
		if (endpoint != null) {
			endpoint.requestStarted();
		}
		return endpoint;
	}

}
