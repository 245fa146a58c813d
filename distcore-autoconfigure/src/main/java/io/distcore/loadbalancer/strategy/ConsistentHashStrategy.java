package io.distcore.loadbalancer.strategy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.InstanceSelector;
import io.distcore.loadbalancer.LoadBalancingStrategy;

import org.springframework.util.Assert;

/**
 * A ketama hash ring: each instance owns {@code virtualNodes × weight} points (MD5 digests of its URL, four
 * 32-bit points per digest), a request goes to the owner of the first point at or after the hash of its key,
 * walking on past ineligible instances. Removing one of N instances only remaps the keys it owned. The ring is
 * built once per membership, off the request path; a pick is a binary search with no allocation.
 * <p>
 * With a load factor {@code c ≥ 1} the ring has bounded loads (Mirrokni, Thorup, Zadimoghaddam 2016): with
 * {@code n} eligible instances (not ejected, not yet tried by the request) holding {@code m} requests in flight, an
 * instance already holding {@code ⌈c × (m + 1) / n⌉} is full and the walk moves on to the next one. What is
 * guaranteed: a request counted in through {@link InstanceSelector#start} lands on an instance that holds at most
 * that bound, including itself, for the {@code m} this pick read; the check and the count are one
 * compare-and-set, so concurrent picks cannot overshoot it, and some eligible instance is always below it, so
 * there is no unbounded fallback. The bound holds when a request is placed: requests that end elsewhere later can
 * leave an instance above the bound of the smaller total. {@link InstanceSelector#select} alone (an untracked
 * {@code choose()}) applies the same bound but counts nothing. Requests without a key go to a random point.
 */
public final class ConsistentHashStrategy implements LoadBalancingStrategy {

	/**
	 * Points per unit of weight, as in ketama: a relative standard deviation of shares of about 1/√160 ≈ 8 %.
	 */
	public static final int DEFAULT_VIRTUAL_NODES = 160;

	private static final int OWNER_BITS = 20;

	private final int virtualNodes;

	private final double loadFactor;

	/**
	 * @param virtualNodes ring points per unit of weight, rounded up to a multiple of 4
	 * @param loadFactor bound on an instance's load as a multiple of the average, at least 1; 0 for no bound
	 */
	public ConsistentHashStrategy(int virtualNodes, double loadFactor) {
		Assert.isTrue(virtualNodes > 0, "Virtual nodes must be positive");
		Assert.isTrue(loadFactor == 0 || loadFactor >= 1, "Load factor must be 0 (unbounded) or at least 1");
		this.virtualNodes = virtualNodes;
		this.loadFactor = loadFactor;
	}

	public ConsistentHashStrategy() {
		this(DEFAULT_VIRTUAL_NODES, 0);
	}

	@Override
	public InstanceSelector create(List<Endpoint> endpoints, InstanceSelector previous) {
		Endpoint[] array = endpoints.toArray(new Endpoint[0]);
		Assert.isTrue(array.length < (1 << OWNER_BITS), "A ring holds at most 2^20 - 1 instances");
		int digestsPerWeight = (this.virtualNodes + 3) / 4;
		int size = 0;
		for (Endpoint endpoint : array) {
			size += digestsPerWeight * 4 * endpoint.instance().weight();
		}
		// Point above bit 20, owner below (up to a million instances): one sort of positive longs orders both.
		long[] packed = new long[size];
		MessageDigest md5 = md5();
		int next = 0;
		for (int owner = 0; owner < array.length; owner++) {
			String base = array[owner].instance().uri().toString();
			int digests = digestsPerWeight * array[owner].instance().weight();
			for (int d = 0; d < digests; d++) {
				byte[] digest = md5.digest((base + "-" + d).getBytes(StandardCharsets.UTF_8));
				for (int k = 0; k < 4; k++) {
					long point = ((digest[3 + k * 4] & 0xFFL) << 24) | ((digest[2 + k * 4] & 0xFFL) << 16)
							| ((digest[1 + k * 4] & 0xFFL) << 8) | (digest[k * 4] & 0xFFL);
					packed[next++] = (point << OWNER_BITS) | owner;
				}
			}
		}
		Arrays.sort(packed);
		long[] points = new long[size];
		int[] owners = new int[size];
		for (int i = 0; i < size; i++) {
			points[i] = packed[i] >>> OWNER_BITS;
			owners[i] = (int) (packed[i] & ((1L << OWNER_BITS) - 1));
		}
		return new Selector(array, points, owners, this.loadFactor);
	}

	private static MessageDigest md5() {
		try {
			return MessageDigest.getInstance("MD5");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("MD5 is required of every Java platform", ex);
		}
	}

	/**
	 * 32-bit MurmurHash3 of a key's UTF-16 code units, as an unsigned value: spreads keys evenly without
	 * allocating (unlike a {@link MessageDigest}) and without {@link String#hashCode()}'s clustering.
	 */
	static long hash(String key) {
		int h = 0x9747b28c;
		int length = key.length();
		int i = 0;
		for (; i + 1 < length; i += 2) {
			h = mixInto(h, key.charAt(i) | (key.charAt(i + 1) << 16));
			h = Integer.rotateLeft(h, 13) * 5 + 0xe6546b64;
		}
		if (i < length) {
			h = mixInto(h, key.charAt(i));
		}
		h ^= length * 2;
		h ^= h >>> 16;
		h *= 0x85ebca6b;
		h ^= h >>> 13;
		h *= 0xc2b2ae35;
		h ^= h >>> 16;
		return h & 0xFFFFFFFFL;
	}

	private static int mixInto(int h, int block) {
		int k = block * 0xcc9e2d51;
		k = Integer.rotateLeft(k, 15);
		k *= 0x1b873593;
		return h ^ k;
	}

	private static final class Selector implements InstanceSelector {

		private final Endpoint[] endpoints;

		private final long[] points;

		private final int[] owners;

		private final double loadFactor;

		Selector(Endpoint[] endpoints, long[] points, int[] owners, double loadFactor) {
			this.endpoints = endpoints;
			this.points = points;
			this.owners = owners;
			this.loadFactor = loadFactor;
		}

		@Override
		public Endpoint select(String hashKey, Predicate<Endpoint> eligible) {
			int start = start(hashKey);
			return (this.loadFactor > 0) ? bounded(start, eligible, false) : walk(start, eligible);
		}

		@Override
		public Endpoint start(String hashKey, Predicate<Endpoint> eligible) {
			if (this.loadFactor == 0) {
				return InstanceSelector.super.start(hashKey, eligible);
			}
			return bounded(start(hashKey), eligible, true);
		}

		// Index of the first point at or after the key's hash, wrapping to 0.
		private int start(String hashKey) {
			long hash = (hashKey != null) ? hash(hashKey) : ThreadLocalRandom.current().nextLong(1L << 32);
			int start = Arrays.binarySearch(this.points, hash);
			if (start < 0) {
				start = -start - 1;
			}
			return (start < this.points.length) ? start : 0;
		}

		private Endpoint walk(int start, Predicate<Endpoint> eligible) {
			int size = this.points.length;
			for (int i = 0; i < size; i++) {
				int index = start + i;
				Endpoint endpoint = this.endpoints[this.owners[(index < size) ? index : index - size]];
				if (eligible.test(endpoint)) {
					return endpoint;
				}
			}
			return null;
		}

		// The first eligible endpoint on the walk that is below the bound of this moment. In a consistent snapshot
		// some eligible endpoint is below it (the least loaded is at most the average, c times less than the bound),
		// so a walk finds none only when other picks filled the endpoints meanwhile: they raised the total, and with
		// it the next bound.
		private Endpoint bounded(int start, Predicate<Endpoint> eligible, boolean reserve) {
			int size = this.points.length;
			while (true) {
				int count = 0;
				long inFlight = 0;
				for (Endpoint endpoint : this.endpoints) {
					if (eligible.test(endpoint)) {
						count++;
						inFlight += endpoint.inFlight();
					}
				}
				if (count == 0) {
					return null;
				}
				int capacity = (int) Math.min(Integer.MAX_VALUE, (long) Math.ceil(this.loadFactor * (inFlight + 1) / count));
				for (int i = 0; i < size; i++) {
					int index = start + i;
					Endpoint endpoint = this.endpoints[this.owners[(index < size) ? index : index - size]];
					if (endpoint.inFlight() < capacity && eligible.test(endpoint)
							&& (!reserve || endpoint.tryRequestStarted(capacity))) {
						return endpoint;
					}
				}
			}
		}

	}

}
