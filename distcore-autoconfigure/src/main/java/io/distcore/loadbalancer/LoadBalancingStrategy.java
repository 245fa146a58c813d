package io.distcore.loadbalancer;

import java.util.List;

/**
 * How a service's instances share its requests. A strategy turns a membership (a list of endpoints) into an
 * {@link InstanceSelector}; the balancer builds a new selector whenever the membership changes, off the request
 * path, and uses it until the next change.
 */
@FunctionalInterface
public interface LoadBalancingStrategy {

	/**
	 * Builds the selector for a new membership. Called once per membership change, never concurrently for one
	 * service; may take time (a hash ring is built here).
	 * @param endpoints the instances, in configuration order, never empty
	 * @param previous the selector of the previous membership, or {@code null} for the first one; a strategy
	 * with per-instance state carries it over for the endpoints present in both
	 * @return a selector that is safe for concurrent use
	 */
	InstanceSelector create(List<Endpoint> endpoints, InstanceSelector previous);

}
