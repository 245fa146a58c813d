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

}
