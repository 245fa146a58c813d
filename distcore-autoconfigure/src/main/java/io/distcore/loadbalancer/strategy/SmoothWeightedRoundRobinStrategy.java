package io.distcore.loadbalancer.strategy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.InstanceSelector;
import io.distcore.loadbalancer.LoadBalancingStrategy;
import io.distcore.loadbalancer.ServiceInstance;

/**
 * Nginx's smooth weighted round robin: every pick adds each eligible instance's weight to its current score,
 * takes the highest score (the first on ties) and subtracts the total weight from it. Weights 5, 1, 1 give
 * {@code a a b a c a a}: over every cycle of total-weight picks each instance is picked exactly its weight times,
 * and heavy instances are spread out instead of bunched. Scores of instances that stay in a new membership are
 * carried over (also across a weight change), new ones start at 0. A warming-up instance counts with its reduced
 * weight.
 */
public final class SmoothWeightedRoundRobinStrategy implements LoadBalancingStrategy {

	@Override
	public InstanceSelector create(List<Endpoint> endpoints, InstanceSelector previous) {
		Endpoint[] array = endpoints.toArray(new Endpoint[0]);
		long[] current = new long[array.length];
		if (previous instanceof Selector selector) {
			Map<ServiceInstance, Long> scores = selector.scores();
			for (int i = 0; i < array.length; i++) {
				current[i] = scores.getOrDefault(array[i].instance(), 0L);
			}
		}
		return new Selector(array, current);
	}

	private static final class Selector implements InstanceSelector {

		private final Endpoint[] endpoints;

		// Guarded by this: the update of all scores is one step of the algorithm.
		private final long[] current;

		Selector(Endpoint[] endpoints, long[] current) {
			this.endpoints = endpoints;
			this.current = current;
		}

		@Override
		public Endpoint select(String hashKey, Predicate<Endpoint> eligible) {
			Endpoint[] endpoints = this.endpoints;
			long[] current = this.current;
			synchronized (this) {
				long total = 0;
				int best = -1;
				for (int i = 0; i < endpoints.length; i++) {
					Endpoint endpoint = endpoints[i];
					if (!eligible.test(endpoint)) {
						continue;
					}
					long weight = endpoint.scaledWeight();
					current[i] += weight;
					total += weight;
					if (best < 0 || current[i] > current[best]) {
						best = i;
					}
				}
				if (best < 0) {
					return null;
				}
				current[best] -= total;
				return endpoints[best];
			}
		}

		synchronized Map<ServiceInstance, Long> scores() {
			Map<ServiceInstance, Long> scores = new HashMap<>();
			for (int i = 0; i < this.endpoints.length; i++) {
				scores.put(this.endpoints[i].instance(), this.current[i]);
			}
			return scores;
		}

	}

}
