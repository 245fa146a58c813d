package io.distcore.loadbalancer.strategy;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.InstanceSelector;
import io.distcore.loadbalancer.LoadBalancingStrategy;

/**
 * A random instance with probability proportional to its weight, in O(1) per pick by Vose's alias method
 * (two random numbers, two array reads). An ineligible or warming-up instance is handled by rejection sampling,
 * which keeps the distribution exact among the eligible ones; after a bounded number of rejections the pick
 * falls back to a linear scan over cumulative weights.
 */
public final class WeightedRandomStrategy implements LoadBalancingStrategy {

	private static final int MAX_REJECTIONS = 16;

	@Override
	public InstanceSelector create(List<Endpoint> endpoints, InstanceSelector previous) {
		Endpoint[] array = endpoints.toArray(new Endpoint[0]);
		return new Selector(array, new AliasTable(array));
	}

	private static final class Selector implements InstanceSelector {

		private final Endpoint[] endpoints;

		private final AliasTable table;

		Selector(Endpoint[] endpoints, AliasTable table) {
			this.endpoints = endpoints;
			this.table = table;
		}

		@Override
		public Endpoint select(String hashKey, Predicate<Endpoint> eligible) {
			ThreadLocalRandom random = ThreadLocalRandom.current();
			Endpoint[] endpoints = this.endpoints;
			for (int attempt = 0; attempt < MAX_REJECTIONS; attempt++) {
				Endpoint endpoint = endpoints[this.table.sample(random)];
				if (eligible.test(endpoint) && accept(endpoint, random)) {
					return endpoint;
				}
			}
			return scan(eligible, random);
		}

		private static boolean accept(Endpoint endpoint, ThreadLocalRandom random) {
			long full = endpoint.instance().weight() * Endpoint.WEIGHT_SCALE;
			long weight = endpoint.scaledWeight();
			return weight >= full || random.nextLong(full) < weight;
		}

		private Endpoint scan(Predicate<Endpoint> eligible, ThreadLocalRandom random) {
			long total = 0;
			for (Endpoint endpoint : this.endpoints) {
				if (eligible.test(endpoint)) {
					total += endpoint.scaledWeight();
				}
			}
			if (total == 0) {
				return null;
			}
			long target = random.nextLong(total);
			Endpoint last = null;
			for (Endpoint endpoint : this.endpoints) {
				if (eligible.test(endpoint)) {
					last = endpoint;
					target -= endpoint.scaledWeight();
					if (target < 0) {
						return endpoint;
					}
				}
			}
			// Eligibility changed between the two loops; any eligible endpoint will do.
			return last;
		}

	}

}
