package io.distcore.loadbalancer.strategy;

import java.util.List;

import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.InstanceSelector;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RoundRobinStrategyTests {

	@Test
	void instancesTakeTurnsIgnoringWeights() {
		InstanceSelector selector = new RoundRobinStrategy().create(Endpoints.weighted(5, 1, 1), null);
		StringBuilder sequence = new StringBuilder();
		for (int i = 0; i < 9; i++) {
			sequence.append(Endpoints.name(selector.select(null, (endpoint) -> true)));
		}
		assertThat(sequence).hasToString("abcabcabc");
	}

	@Test
	void ineligibleInstancePassesItsTurn() {
		List<Endpoint> endpoints = Endpoints.weighted(1, 1, 1);
		InstanceSelector selector = new RoundRobinStrategy().create(endpoints, null);
		StringBuilder sequence = new StringBuilder();
		for (int i = 0; i < 6; i++) {
			sequence.append(Endpoints.name(selector.select(null, (endpoint) -> endpoint != endpoints.get(1))));
		}
		assertThat(sequence).hasToString("accacc");
		assertThat(selector.select(null, (endpoint) -> false)).isNull();
	}

}
