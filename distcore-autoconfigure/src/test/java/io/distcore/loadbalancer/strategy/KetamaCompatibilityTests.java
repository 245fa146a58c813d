package io.distcore.loadbalancer.strategy;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.InstanceSelector;
import io.distcore.loadbalancer.ServiceInstance;
import io.distcore.loadbalancer.strategy.ConsistentHashStrategy.Hash;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * The {@link Hash#KETAMA} ring against the test data libketama publishes (github.com/RJ/ketama): its
 * {@code libketama/test.sh} runs {@code ketama_test} over {@code ketama.servers} and compares the MD5 of the
 * output with a known value, and its Python binding's {@code tests.py} checks one key, its hash and the ring size.
 */
class KetamaCompatibilityTests {

	@Test
	void aMillionKeysLandWhereLibketamasTestSuiteExpectsThem() throws Exception {
		// ketama.servers: address and "memory", the weight.
		List<Endpoint> endpoints = endpoints("10.0.1.1:11211", 600, "10.0.1.2:11211", 300, "10.0.1.3:11211", 200,
				"10.0.1.4:11211", 350, "10.0.1.5:11211", 1000, "10.0.1.6:11211", 800, "10.0.1.7:11211", 950,
				"10.0.1.8:11211", 100);
		ConsistentHashStrategy.Selector ring = ring(endpoints);
		// ketama_test prints ketama_error() (empty after success), then "%u %u %s\n" for the keys "0" to "999999":
		// the key's hash, the point it lands on and the server's address.
		MessageDigest output = MessageDigest.getInstance("MD5");
		output.update((byte) '\n');
		StringBuilder line = new StringBuilder(48);
		for (int i = 0; i < 1_000_000; i++) {
			String key = Integer.toString(i);
			line.setLength(0);
			line.append(Hash.KETAMA.hash(key))
				.append(' ')
				.append(ring.pointOf(key))
				.append(' ')
				.append(address(ring.select(key, (endpoint) -> true)))
				.append('\n');
			output.update(line.toString().getBytes(StandardCharsets.US_ASCII));
		}
		assertThat(HexFormat.of().formatHex(output.digest())).isEqualTo("5672b131391f5aa2b280936aec1eea74");
	}

	@Test
	void theKeyOfLibketamasPythonTestsLandsWhereTheyExpect() {
		ConsistentHashStrategy.Selector ring = ring(endpoints("127.0.0.1:11211", 600, "127.0.0.1:11212", 400));
		assertThat(Hash.KETAMA.hash("test")).isEqualTo(3446378249L);
		assertThat(ring.pointOf("test")).isEqualTo(3454255383L);
		assertThat(address(ring.select("test", (endpoint) -> true))).isEqualTo("127.0.0.1:11211");
		assertThat(ring.size()).isEqualTo(160 * 2);
	}

	@Test
	void keysAreHashedAsTheirUtf8Bytes() throws Exception {
		for (String key : List.of("", "user-1", "ключ", "键", "😀", "a\uD800b")) {
			byte[] digest = MessageDigest.getInstance("MD5").digest(key.getBytes(StandardCharsets.UTF_8));
			long expected = (digest[0] & 0xFFL) | (digest[1] & 0xFFL) << 8 | (digest[2] & 0xFFL) << 16
					| (digest[3] & 0xFFL) << 24;
			assertThat(Hash.KETAMA.hash(key)).as(key).isEqualTo(expected);
		}
	}

	@Test
	void urlWithoutAPortNamesItsPointsWithTheSchemesDefaultPort() {
		ConsistentHashStrategy strategy = new ConsistentHashStrategy(160, 0, Hash.KETAMA);
		ConsistentHashStrategy.Selector implicit = (ConsistentHashStrategy.Selector) strategy.create(List.of(
				new Endpoint(new ServiceInstance("svc", "http://cache-1", 1)),
				new Endpoint(new ServiceInstance("svc", "https://cache-2", 1))), null);
		ConsistentHashStrategy.Selector explicit = (ConsistentHashStrategy.Selector) strategy.create(List.of(
				new Endpoint(new ServiceInstance("svc", "http://cache-1:80", 1)),
				new Endpoint(new ServiceInstance("svc", "https://cache-2:443", 1))), null);
		for (int i = 0; i < 1000; i++) {
			assertThat(implicit.pointOf("k" + i)).isEqualTo(explicit.pointOf("k" + i));
		}
	}

	@Test
	void instanceWithoutPointsIsLeftOutOfTheBoundedLoad() {
		// A share of 1 / 1001 gives floor(0.08) = 0 digests, as in libketama: the light instance owns no point.
		List<Endpoint> endpoints = endpoints("10.0.2.1:8080", 1, "10.0.2.2:8080", 1000);
		InstanceSelector selector = new ConsistentHashStrategy(160, 1.25, Hash.KETAMA).create(endpoints, null);
		assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
			for (int i = 0; i < 100; i++) {
				assertThat(selector.start("k" + i, (endpoint) -> true)).isSameAs(endpoints.get(1));
			}
		});
		assertThat(endpoints.get(1).inFlight()).isEqualTo(100);
	}

	private static ConsistentHashStrategy.Selector ring(List<Endpoint> endpoints) {
		return (ConsistentHashStrategy.Selector) new ConsistentHashStrategy(160, 0, Hash.KETAMA).create(endpoints,
				null);
	}

	private static List<Endpoint> endpoints(Object... addressesAndWeights) {
		List<Endpoint> endpoints = new ArrayList<>();
		for (int i = 0; i < addressesAndWeights.length; i += 2) {
			endpoints.add(new Endpoint(new ServiceInstance("cache", "http://" + addressesAndWeights[i],
					(Integer) addressesAndWeights[i + 1])));
		}
		return endpoints;
	}

	private static String address(Endpoint endpoint) {
		return endpoint.instance().uri().getAuthority();
	}

}
