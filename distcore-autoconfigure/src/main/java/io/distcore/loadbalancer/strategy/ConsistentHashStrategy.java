package io.distcore.loadbalancer.strategy;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Predicate;

import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.InstanceSelector;
import io.distcore.loadbalancer.LoadBalancingStrategy;

import org.springframework.util.Assert;

/**
 * A ketama hash ring: each instance owns points on a 32-bit circle (MD5 digests of its name, four 32-bit points
 * per digest), a request goes to the owner of the first point at or after the hash of its key, wrapping, walking
 * on past ineligible instances. Removing one of N instances only remaps the keys it owned. The ring is built once
 * per membership, off the request path; a pick is a binary search with no allocation. How points are named and
 * keys hashed is the {@link Hash}: distcore's own by default, or exactly libketama's.
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

	private final Hash hash;

	/**
	 * @param virtualNodes ring points per unit of weight, rounded up to a multiple of 4; {@link Hash#KETAMA} has its
	 * own count and ignores it
	 * @param loadFactor bound on an instance's load as a multiple of the average, at least 1; 0 for no bound
	 * @param hash how points are named and keys hashed
	 */
	public ConsistentHashStrategy(int virtualNodes, double loadFactor, Hash hash) {
		Assert.isTrue(virtualNodes > 0, "Virtual nodes must be positive");
		Assert.isTrue(loadFactor == 0 || loadFactor >= 1, "Load factor must be 0 (unbounded) or at least 1");
		Assert.notNull(hash, "Hash must not be null");
		this.virtualNodes = virtualNodes;
		this.loadFactor = loadFactor;
		this.hash = hash;
	}

	/**
	 * A ring with {@link Hash#MURMUR3} keys.
	 */
	public ConsistentHashStrategy(int virtualNodes, double loadFactor) {
		this(virtualNodes, loadFactor, Hash.MURMUR3);
	}

	public ConsistentHashStrategy() {
		this(DEFAULT_VIRTUAL_NODES, 0);
	}

	@Override
	public InstanceSelector create(List<Endpoint> endpoints, InstanceSelector previous) {
		Endpoint[] array = endpoints.toArray(new Endpoint[0]);
		Assert.isTrue(array.length < (1 << OWNER_BITS), "A ring holds at most 2^20 - 1 instances");
		long totalWeight = 0;
		for (Endpoint endpoint : array) {
			totalWeight += endpoint.instance().weight();
		}
		int[] digests = new int[array.length];
		int size = 0;
		for (int owner = 0; owner < array.length; owner++) {
			digests[owner] = this.hash.digests(array[owner].instance().weight(), totalWeight, array.length,
					this.virtualNodes);
			size += digests[owner] * 4;
		}
		// Point above bit 20, owner below (up to a million instances): one sort of positive longs orders both.
		long[] packed = new long[size];
		MessageDigest md5 = Md5.newDigest();
		int next = 0;
		for (int owner = 0; owner < array.length; owner++) {
			String name = this.hash.pointName(array[owner].instance().uri());
			for (int d = 0; d < digests[owner]; d++) {
				byte[] digest = md5.digest((name + "-" + d).getBytes(StandardCharsets.UTF_8));
				for (int k = 0; k < 4; k++) {
					packed[next++] = (Md5.point(digest, k) << OWNER_BITS) | owner;
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
		List<Endpoint> onRing = new ArrayList<>(array.length);
		for (int owner = 0; owner < array.length; owner++) {
			if (digests[owner] > 0) {
				onRing.add(array[owner]);
			}
		}
		return new Selector(array, onRing.toArray(new Endpoint[0]), points, owners, this.loadFactor, this.hash);
	}

	/**
	 * How a ring names its points and hashes keys. Both build points from MD5 digests of {@code "<name>-<i>"}, four
	 * little-endian 32-bit points per digest, and send a key to the first point at or after its hash, wrapping.
	 */
	public enum Hash {

		/**
		 * distcore's ring: an instance's points are named by its full URL, {@code virtualNodes × weight} of them
		 * (rounded up to a multiple of 4); keys are hashed with 32-bit MurmurHash3 of their UTF-16 code units, which
		 * spreads them evenly at a fraction of MD5's cost and without allocating.
		 */
		MURMUR3 {

			@Override
			public long hash(String key) {
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

			@Override
			String pointName(URI uri) {
				return uri.toString();
			}

			@Override
			int digests(int weight, long totalWeight, int instances, int virtualNodes) {
				return (virtualNodes + 3) / 4 * weight;
			}

		},

		/**
		 * libketama's ring exactly, so that keys land on the same servers as with libketama: an instance's points
		 * are named {@code host:port} (the scheme's default port when its URL has none), it gets
		 * {@code floor(weight / total weight × 40 × instances)} digests (in single precision, as the C code
		 * computes it), and a key's hash is the first four bytes, little-endian, of the MD5 of its UTF-8 bytes. An
		 * MD5 per key costs more than Murmur3 (see the benchmarks); it allocates nothing for ASCII keys. An instance
		 * whose share of the weight is below 1 / (40 × instances) gets no point, as in libketama, and no request.
		 */
		KETAMA {

			@Override
			public long hash(String key) {
				return Md5.keyHash(key);
			}

			@Override
			String pointName(URI uri) {
				int port = uri.getPort();
				if (port < 0) {
					port = "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
				}
				return uri.getHost() + ":" + port;
			}

			@Override
			int digests(int weight, long totalWeight, int instances, int virtualNodes) {
				// libketama: float pct = (float) memory / (float) total; floorf(pct * 40.0 * (float) numservers).
				float share = (float) weight / (float) totalWeight;
				return (int) Math.floor((float) (share * 40.0 * (float) instances));
			}

		};

		/**
		 * A key's point on the ring, an unsigned 32-bit value.
		 */
		public abstract long hash(String key);

		abstract String pointName(URI uri);

		abstract int digests(int weight, long totalWeight, int instances, int virtualNodes);

		private static int mixInto(int h, int block) {
			int k = block * 0xcc9e2d51;
			k = Integer.rotateLeft(k, 15);
			k *= 0x1b873593;
			return h ^ k;
		}

	}

	static final class Selector implements InstanceSelector {

		private final Endpoint[] endpoints;

		// The endpoints that own at least one point, the only ones a walk can reach.
		private final Endpoint[] onRing;

		private final long[] points;

		private final int[] owners;

		private final double loadFactor;

		private final Hash hash;

		Selector(Endpoint[] endpoints, Endpoint[] onRing, long[] points, int[] owners, double loadFactor, Hash hash) {
			this.endpoints = endpoints;
			this.onRing = onRing;
			this.points = points;
			this.owners = owners;
			this.loadFactor = loadFactor;
			this.hash = hash;
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
			long hash = (hashKey != null) ? this.hash.hash(hashKey) : ThreadLocalRandom.current().nextLong(1L << 32);
			int start = Arrays.binarySearch(this.points, hash);
			if (start < 0) {
				start = -start - 1;
			}
			return (start < this.points.length) ? start : 0;
		}

		/**
		 * The point a key lands on, before any walk: what other implementations' test data records.
		 */
		long pointOf(String hashKey) {
			return this.points[start(hashKey)];
		}

		int size() {
			return this.points.length;
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

		// The first eligible endpoint on the walk that is below the bound of this moment, the bound counting only the
		// endpoints a walk can reach. In a consistent snapshot some eligible endpoint is below it (the least loaded is
		// at most the average, c times less than the bound), so a walk finds none only when other picks filled the
		// endpoints meanwhile: they raised the total, and with it the next bound.
		private Endpoint bounded(int start, Predicate<Endpoint> eligible, boolean reserve) {
			int size = this.points.length;
			while (true) {
				int count = 0;
				long inFlight = 0;
				for (Endpoint endpoint : this.onRing) {
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
