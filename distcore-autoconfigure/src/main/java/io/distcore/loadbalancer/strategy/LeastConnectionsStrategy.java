package io.distcore.loadbalancer.strategy;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.InstanceSelector;
import io.distcore.loadbalancer.LoadBalancingStrategy;

import org.springframework.util.Assert;

/**
 * The instance with the fewest requests in flight relative to its weight, as Nginx's {@code least_conn}: the
 * lowest {@code in-flight / weight}, ties broken at random in proportion to the weights, so sequential traffic
 * (nothing in flight at each pick) is shared by weight rather than all sent to the heaviest instance. Small lists
 * are scanned in full; lists larger than a threshold use the power of two choices (Mitzenmacher; Envoy's
 * default) in constant time: two instances drawn at random in proportion to their weights (alias method), the
 * lower score wins, the first drawn on a tie. Drawing by weight is what makes the score hold: an instance at its
 * share of the load ties with the others and is drawn as often as its weight says, one above it loses more
 * comparisons than it wins, so in-flight counts stay proportional to the weights in expectation (a uniform draw
 * would give a heavy instance only its 1/n of the draws).
 * In-flight counts cover the whole exchange, including a streamed body, because the HTTP integrations end a
 * request only when its response (or its streamed body) is closed.
 */
public final class LeastConnectionsStrategy implements LoadBalancingStrategy {

	/**
	 * Largest list that is scanned in full.
	 */
	public static final int DEFAULT_FULL_SCAN_LIMIT = 8;

	private static final int MAX_RANDOM_ATTEMPTS = 8;

	private final int fullScanLimit;

	public LeastConnectionsStrategy(int fullScanLimit) {
		Assert.isTrue(fullScanLimit >= 2, "Full scan limit must be at least 2");
		this.fullScanLimit = fullScanLimit;
	}

	public LeastConnectionsStrategy() {
		this(DEFAULT_FULL_SCAN_LIMIT);
	}

	@Override
	public InstanceSelector create(List<Endpoint> endpoints, InstanceSelector previous) {
		Endpoint[] array = endpoints.toArray(new Endpoint[0]);
		return new Selector(array, new AliasTable(array), this.fullScanLimit);
	}

	private static final class Selector implements InstanceSelector {

		private final Endpoint[] endpoints;

		private final AliasTable table;

		private final int fullScanLimit;

		Selector(Endpoint[] endpoints, AliasTable table, int fullScanLimit) {
			this.endpoints = endpoints;
			this.table = table;
			this.fullScanLimit = fullScanLimit;
		}

		@Override
		public Endpoint select(String hashKey, Predicate<Endpoint> eligible) {
			ThreadLocalRandom random = ThreadLocalRandom.current();
			int n = this.endpoints.length;
			if (n > this.fullScanLimit) {
				for (int attempt = 0; attempt < MAX_RANDOM_ATTEMPTS; attempt++) {
					// Drawn with replacement: the same instance twice is simply the only candidate.
					Endpoint a = this.endpoints[this.table.sample(random)];
					Endpoint b = this.endpoints[this.table.sample(random)];
					boolean aEligible = eligible.test(a);
					boolean bEligible = (b == a) ? aEligible : eligible.test(b);
					if (aEligible && bEligible) {
						return (compareLoad(b, a) < 0) ? b : a;
					}
					if (aEligible || bEligible) {
						return aEligible ? a : b;
					}
				}
			}
			return scan(eligible, random);
		}

		// One pass: the least loaded eligible instance, a tie replacing the best so far with probability
		// weight / (weight of the instances tied so far), which picks among the tied in proportion to their weights.
		private Endpoint scan(Predicate<Endpoint> eligible, ThreadLocalRandom random) {
			Endpoint best = null;
			long tiedWeight = 0;
			for (Endpoint endpoint : this.endpoints) {
				int order = (best != null) ? compareLoad(endpoint, best) : -1;
				if (order > 0 || !eligible.test(endpoint)) {
					continue;
				}
				long weight = endpoint.scaledWeight();
				if (order < 0) {
					best = endpoint;
					tiedWeight = weight;
				}
				else {
					tiedWeight += weight;
					if (random.nextLong(tiedWeight) < weight) {
						best = endpoint;
					}
				}
			}
			return best;
		}

		// Sign of a.inFlight / a.weight - b.inFlight / b.weight, without division.
		private static int compareLoad(Endpoint a, Endpoint b) {
			return Long.compare((long) a.inFlight() * b.scaledWeight(), (long) b.inFlight() * a.scaledWeight());
		}

	}

}
