package io.distcore.loadbalancer.strategy;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.ThreadLocalRandom;

import io.distcore.loadbalancer.Endpoint;

/**
 * Vose's alias method over endpoints' configured weights: an index drawn with probability proportional to its
 * weight in O(1) (two random numbers, two array reads), from tables built once in O(n).
 */
final class AliasTable {

	private final double[] probability;

	private final int[] alias;

	AliasTable(Endpoint[] endpoints) {
		int n = endpoints.length;
		this.probability = new double[n];
		this.alias = new int[n];
		long total = 0;
		for (Endpoint endpoint : endpoints) {
			total += endpoint.instance().weight();
		}
		double[] scaled = new double[n];
		Deque<Integer> small = new ArrayDeque<>();
		Deque<Integer> large = new ArrayDeque<>();
		for (int i = 0; i < n; i++) {
			scaled[i] = (double) endpoints[i].instance().weight() * n / total;
			((scaled[i] < 1.0) ? small : large).push(i);
		}
		while (!small.isEmpty() && !large.isEmpty()) {
			int less = small.pop();
			int more = large.pop();
			this.probability[less] = scaled[less];
			this.alias[less] = more;
			scaled[more] = (scaled[more] + scaled[less]) - 1.0;
			((scaled[more] < 1.0) ? small : large).push(more);
		}
		// What is left has a scaled weight of 1 up to rounding: it is its own alias.
		while (!large.isEmpty()) {
			int index = large.pop();
			this.probability[index] = 1.0;
			this.alias[index] = index;
		}
		while (!small.isEmpty()) {
			int index = small.pop();
			this.probability[index] = 1.0;
			this.alias[index] = index;
		}
	}

	int sample(ThreadLocalRandom random) {
		int column = random.nextInt(this.probability.length);
		return (random.nextDouble() < this.probability[column]) ? column : this.alias[column];
	}

}
