package io.distcore.loadbalancer.strategy;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Random;

import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.InstanceSelector;
import io.distcore.loadbalancer.ServiceInstance;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class LeastConnectionsStrategyTests {

	@Test
	void slowInstanceGetsFewestRequestsAndEveryPickHasTheLowestInFlightCount() {
		List<Endpoint> endpoints = Endpoints.weighted(1, 1, 1);
		Endpoint slow = endpoints.get(2);
		InstanceSelector selector = new LeastConnectionsStrategy().create(endpoints, null);
		// Discrete time: 3 requests arrive per tick; the slow instance answers after 10 ticks, the others after 1.
		List<Deque<Integer>> finishing = new ArrayList<>();
		for (int i = 0; i < 12; i++) {
			finishing.add(new ArrayDeque<>());
		}
		List<List<Endpoint>> due = new ArrayList<>();
		for (int i = 0; i < 12; i++) {
			due.add(new ArrayList<>());
		}
		int[] received = new int[3];
		for (int tick = 0; tick < 1000; tick++) {
			List<Endpoint> ending = due.get(tick % 12);
			ending.forEach(Endpoint::requestEnded);
			ending.clear();
			for (int r = 0; r < 3; r++) {
				int lowest = endpoints.stream().mapToInt(Endpoint::inFlight).min().getAsInt();
				Endpoint picked = selector.select(null, (endpoint) -> true);
				assertThat(picked.inFlight()).isEqualTo(lowest);
				picked.requestStarted();
				received[endpoints.indexOf(picked)]++;
				due.get((tick + ((picked == slow) ? 10 : 1)) % 12).add(picked);
			}
		}
		// Ten times slower, it gets several times fewer requests, so its queue never builds up.
		assertThat(received[2] * 3).isLessThan(Math.min(received[0], received[1]));
	}

	@Test
	void heldRequestsSpreadInProportionToWeight() {
		List<Endpoint> endpoints = Endpoints.weighted(3, 1);
		InstanceSelector selector = new LeastConnectionsStrategy().create(endpoints, null);
		for (int i = 0; i < 400; i++) {
			selector.select(null, (endpoint) -> true).requestStarted();
		}
		assertThat(endpoints.get(0).inFlight()).isBetween(299, 301);
		assertThat(endpoints.get(1).inFlight()).isBetween(99, 101);
	}

	// Nginx least_conn: with nothing in flight at each pick (a client that waits for each answer), the tie is broken
	// by weight, so weights 3 and 1 share the traffic 3:1 instead of the heavier instance taking all of it.
	@Test
	void leastConnectionsSharesSequentialTrafficByWeight() {
		List<Endpoint> endpoints = Endpoints.weighted(3, 1);
		InstanceSelector selector = new LeastConnectionsStrategy().create(endpoints, null);
		int light = 0;
		for (int i = 0; i < 4000; i++) {
			Endpoint picked = selector.select(null, (endpoint) -> true);
			picked.requestStarted();
			picked.requestEnded();
			if (picked == endpoints.get(1)) {
				light++;
			}
		}
		assertThat(light).as("picks of the weight-1 instance of 4000 (expected about 1000)").isBetween(800, 1200);
	}

	@Test
	void powerOfTwoChoicesKeepsALargeListBalanced() {
		List<Endpoint> endpoints = new ArrayList<>();
		for (int i = 0; i < 100; i++) {
			endpoints.add(new Endpoint(new ServiceInstance("svc", "http://10.0.1." + i + ":8080", 1)));
		}
		InstanceSelector selector = new LeastConnectionsStrategy().create(endpoints, null);
		Random random = new Random(3);
		List<Endpoint> open = new ArrayList<>();
		for (int i = 0; i < 50_000; i++) {
			if (open.size() > 5_000 && random.nextBoolean()) {
				open.remove(random.nextInt(open.size())).requestEnded();
			}
			Endpoint picked = selector.select(null, (endpoint) -> true);
			picked.requestStarted();
			open.add(picked);
		}
		int max = endpoints.stream().mapToInt(Endpoint::inFlight).max().getAsInt();
		int min = endpoints.stream().mapToInt(Endpoint::inFlight).min().getAsInt();
		double average = (double) open.size() / endpoints.size();
		assertThat(max - average).isLessThan(10);
		assertThat(average - min).isLessThan(10);
	}

	@Test
	void powerOfTwoChoicesGivesAHeavyInstanceItsShareOfTheWeight() {
		List<Endpoint> endpoints = new ArrayList<>();
		endpoints.add(new Endpoint(new ServiceInstance("svc", "http://10.0.3.0:8080", 10)));
		for (int i = 1; i < 20; i++) {
			endpoints.add(new Endpoint(new ServiceInstance("svc", "http://10.0.3." + i + ":8080", 1)));
		}
		Endpoint heavy = endpoints.get(0);
		InstanceSelector selector = new LeastConnectionsStrategy().create(endpoints, null);
		Random random = new Random(11);
		List<Endpoint> open = new ArrayList<>();
		int picks = 60_000;
		int heavyPicks = 0;
		for (int i = 0; i < picks; i++) {
			if (open.size() > 2_900 && random.nextBoolean()) {
				open.remove(random.nextInt(open.size())).requestEnded();
			}
			Endpoint picked = selector.select(null, (endpoint) -> true);
			picked.requestStarted();
			open.add(picked);
			if (picked == heavy) {
				heavyPicks++;
			}
		}
		// Weight 10 of 29: 34.5 % of the requests in flight, and so of the picks.
		assertThat((double) heavy.inFlight() / open.size()).isBetween(0.30, 0.39);
		assertThat((double) heavyPicks / picks).isBetween(0.30, 0.39);
	}

	@Test
	void ineligibleInstancesAreNeverPicked() {
		List<Endpoint> endpoints = new ArrayList<>();
		for (int i = 0; i < 20; i++) {
			endpoints.add(new Endpoint(new ServiceInstance("svc", "http://10.0.2." + i + ":8080", 1)));
		}
		InstanceSelector selector = new LeastConnectionsStrategy().create(endpoints, null);
		Endpoint only = endpoints.get(13);
		for (int i = 0; i < 100; i++) {
			assertThat(selector.select(null, (endpoint) -> endpoint == only)).isSameAs(only);
		}
		assertThat(selector.select(null, (endpoint) -> false)).isNull();
	}

}
