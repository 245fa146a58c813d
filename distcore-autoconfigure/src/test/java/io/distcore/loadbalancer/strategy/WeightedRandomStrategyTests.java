package io.distcore.loadbalancer.strategy;

import java.util.List;

import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.InstanceSelector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class WeightedRandomStrategyTests {

	// Chi-square critical value for 3 degrees of freedom at p = 0.0001: a false alarm once in 10,000 runs.
	private static final double CHI_SQUARE_3_DF = 21.11;

	@Test
	void millionPicksFollowTheWeightsWithinOnePercent() {
		int[] weights = { 1, 2, 3, 4 };
		InstanceSelector selector = new WeightedRandomStrategy().create(Endpoints.weighted(weights), null);
		long[] counts = pick(selector, null, 1_000_000);
		assertProportional(counts, weights, 1_000_000);
	}

	@Test
	void ineligibleInstanceIsRejectedWithoutBiasingTheOthers() {
		int[] weights = { 1, 2, 3, 4 };
		List<Endpoint> endpoints = Endpoints.weighted(weights);
		InstanceSelector selector = new WeightedRandomStrategy().create(endpoints, null);
		long[] counts = pick(selector, endpoints.get(3), 600_000);
		assertThat(counts[3]).isZero();
		assertProportional(new long[] { counts[0], counts[1], counts[2] }, new int[] { 1, 2, 3 }, 600_000);
	}

	private static long[] pick(InstanceSelector selector, Endpoint excluded, int picks) {
		long[] counts = new long[4];
		for (int i = 0; i < picks; i++) {
			Endpoint endpoint = selector.select(null, (candidate) -> candidate != excluded);
			counts[Endpoints.name(endpoint).charAt(0) - 'a']++;
		}
		return counts;
	}

	private static void assertProportional(long[] counts, int[] weights, int picks) {
		int total = 0;
		for (int weight : weights) {
			total += weight;
		}
		double chiSquare = 0;
		for (int i = 0; i < weights.length; i++) {
			double expected = (double) picks * weights[i] / total;
			assertThat(counts[i] / expected).as("share of instance %d", i).isBetween(0.99, 1.01);
			chiSquare += (counts[i] - expected) * (counts[i] - expected) / expected;
		}
		if (weights.length == 4) {
			assertThat(chiSquare).isLessThan(CHI_SQUARE_3_DF);
		}
		else {
			// 2 degrees of freedom, p = 0.0001.
			assertThat(chiSquare).isLessThan(18.42);
		}
	}

}
