package io.distcore.loadbalancer.strategy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.InstanceSelector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class SmoothWeightedRoundRobinStrategyTests {

	private final SmoothWeightedRoundRobinStrategy strategy = new SmoothWeightedRoundRobinStrategy();

	@Test
	void weights511GiveNginxsSequence() {
		InstanceSelector selector = this.strategy.create(Endpoints.weighted(5, 1, 1), null);
		assertThat(sequence(selector, 21)).isEqualTo("aabacaa".repeat(3));
	}

	@Test
	void weights123GiveNginxsSequence() {
		InstanceSelector selector = this.strategy.create(Endpoints.weighted(1, 2, 3), null);
		assertThat(sequence(selector, 18)).isEqualTo("cbacbc".repeat(3));
	}

	@Test
	void everyCycleIsExactlyProportional() {
		Random random = new Random(42);
		int[] weights = new int[9];
		int total = 0;
		for (int i = 0; i < weights.length; i++) {
			weights[i] = 1 + random.nextInt(20);
			total += weights[i];
		}
		InstanceSelector selector = this.strategy.create(Endpoints.weighted(weights), null);
		for (int cycle = 0; cycle < 50; cycle++) {
			Map<String, Integer> counts = counts(selector, total);
			for (int i = 0; i < weights.length; i++) {
				assertThat(counts.get(String.valueOf((char) ('a' + i)))).as("cycle %d, instance %d", cycle, i)
					.isEqualTo(weights[i]);
			}
		}
	}

	@Test
	void ineligibleInstanceIsSkippedAndTheOthersKeepTheirProportions() {
		List<Endpoint> endpoints = Endpoints.weighted(5, 1, 2);
		InstanceSelector selector = this.strategy.create(endpoints, null);
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < 700; i++) {
			Endpoint picked = selector.select(null, (endpoint) -> endpoint != endpoints.get(0));
			counts.merge(Endpoints.name(picked), 1, Integer::sum);
		}
		assertThat(counts).containsOnlyKeys("b", "c");
		assertThat(counts.get("c")).isBetween(2 * counts.get("b") - 2, 2 * counts.get("b") + 2);
	}

	@Test
	void scoresOfRemainingInstancesSurviveAMembershipChange() {
		List<Endpoint> endpoints = Endpoints.weighted(5, 1, 1);
		InstanceSelector first = this.strategy.create(endpoints, null);
		assertThat(sequence(first, 3)).isEqualTo("aab");
		List<Endpoint> grown = new ArrayList<>(endpoints);
		grown.add(Endpoints.weighted(1, 1, 1, 1).get(3));
		InstanceSelector second = this.strategy.create(grown, first);
		// a, b, c resume from their scores (-1, -4, 3) while d starts at 0: c comes before d.
		String next = sequence(second, 8);
		assertThat(next.indexOf('c')).isLessThan(next.indexOf('d'));
		Map<String, Integer> counts = counts(second, 8 * 100);
		assertThat(counts).containsEntry("a", 500).containsEntry("b", 100).containsEntry("c", 100).containsEntry("d", 100);
	}

	private static String sequence(InstanceSelector selector, int picks) {
		StringBuilder sequence = new StringBuilder();
		for (int i = 0; i < picks; i++) {
			sequence.append(Endpoints.name(selector.select(null, (endpoint) -> true)));
		}
		return sequence.toString();
	}

	private static Map<String, Integer> counts(InstanceSelector selector, int picks) {
		Map<String, Integer> counts = new HashMap<>();
		for (int i = 0; i < picks; i++) {
			counts.merge(Endpoints.name(selector.select(null, (endpoint) -> true)), 1, Integer::sum);
		}
		return counts;
	}

}
