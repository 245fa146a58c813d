package io.distcore.loadbalancer.strategy;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.InstanceSelector;
import io.distcore.loadbalancer.LoadBalancingStrategy;

/**
 * Instances in turn, ignoring weights; an ineligible instance passes its turn to the next one. Lock-free: one
 * atomic increment per pick.
 */
public final class RoundRobinStrategy implements LoadBalancingStrategy {

	@Override
	public InstanceSelector create(List<Endpoint> endpoints, InstanceSelector previous) {
		int next = (previous instanceof Selector selector) ? selector.next.get() : 0;
		return new Selector(endpoints.toArray(new Endpoint[0]), next);
	}

	private static final class Selector implements InstanceSelector {

		private final Endpoint[] endpoints;

		private final AtomicInteger next;

		Selector(Endpoint[] endpoints, int next) {
			this.endpoints = endpoints;
			this.next = new AtomicInteger(next);
		}

		@Override
		public Endpoint select(String hashKey, Predicate<Endpoint> eligible) {
			Endpoint[] endpoints = this.endpoints;
			int n = endpoints.length;
			int start = Math.floorMod(this.next.getAndIncrement(), n);
			for (int i = 0; i < n; i++) {
				int index = start + i;
				Endpoint endpoint = endpoints[(index < n) ? index : index - n];
				if (eligible.test(endpoint)) {
					return endpoint;
				}
			}
			return null;
		}

	}

}
