package io.distcore.loadbalancer.strategy;

import java.util.ArrayList;
import java.util.List;

import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.ServiceInstance;

/**
 * Endpoints named a, b, c... for strategy tests.
 */
final class Endpoints {

	private Endpoints() {
	}

	static List<Endpoint> weighted(int... weights) {
		List<Endpoint> endpoints = new ArrayList<>();
		for (int i = 0; i < weights.length; i++) {
			endpoints.add(new Endpoint(new ServiceInstance("svc", "http://" + (char) ('a' + i), weights[i])));
		}
		return endpoints;
	}

	static String name(Endpoint endpoint) {
		return endpoint.instance().uri().getHost();
	}

}
