package io.distcore.loadbalancer.strategy;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.InstanceSelector;
import io.distcore.loadbalancer.LoadBalancingStrategy;

import org.springframework.util.Assert;

/**
 * The instance with the fewest requests in flight relative to its weight: the lowest
 * {@code (in-flight + 1) / weight}. Small lists are scanned from a random start (so ties spread); lists larger
 * than a threshold use the power of two choices (Mitzenmacher; Envoy's default) in constant time: two instances
 * drawn at random in proportion to their weights (alias method), the lower score wins. Drawing by weight is what
 * makes the score hold: an instance at its share of the load ties with the others and is drawn as often as its
 * weight says, one above it loses more comparisons than it wins, so in-flight counts stay proportional to the
 * weights in expectation (a uniform draw would give a heavy instance only its 1/n of the draws).
 * In-flight counts cover the whole exchange, including a streamed body, because the HTTP integrations end a
 * request only when its response is closed.
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
						return lessLoaded(a, b) ? a : b;
					}
					if (aEligible || bEligible) {
						return aEligible ? a : b;
					}
				}
			}
			return scan(eligible, random.nextInt(n));
		}

		private Endpoint scan(Predicate<Endpoint> eligible, int start) {
			Endpoint best = null;
			int n = this.endpoints.length;
			for (int i = 0; i < n; i++) {
				int index = start + i;
				Endpoint endpoint = this.endpoints[(index < n) ? index : index - n];
				if ((best == null || lessLoaded(endpoint, best)) && eligible.test(endpoint)) {
					best = endpoint;
				}
			}
			return best;
		}

		// (a.inFlight + 1) / a.weight < (b.inFlight + 1) / b.weight, without division.
		private static boolean lessLoaded(Endpoint a, Endpoint b) {
			return (a.inFlight() + 1L) * b.scaledWeight() < (b.inFlight() + 1L) * a.scaledWeight();
		}

	}

}
