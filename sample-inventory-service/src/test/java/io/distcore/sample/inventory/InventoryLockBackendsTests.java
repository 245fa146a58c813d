package io.distcore.sample.inventory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import io.distcore.test.Http;
import io.distcore.test.Http.Response;
import io.distcore.test.RedisEndpoint;
import io.distcore.test.TestServices;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two inventory instances sharing one database, on each lock backend chosen by {@code distcore.lock.backend}:
 * concurrent read-modify-write restocks spread over both never lose a unit.
 */
class InventoryLockBackendsTests {

	@ParameterizedTest
	@ValueSource(strings = { "jdbc", "redis", "redlock", "zookeeper" })
	void concurrentRestocksOverTwoInstancesLoseNothing(String backend) throws Exception {
		String database = "inventory-" + backend + "-" + UUID.randomUUID();
		List<ConfigurableApplicationContext> instances = List.of(start(backend, database), start(backend, database));
		try {
			for (ConfigurableApplicationContext instance : instances) {
				assertThat(Http.get(url(instance, "/actuator/locks")).body()).contains("\"defaultBackend\":\"" + backend + "\"");
			}
			String sku = "SKU-" + UUID.randomUUID().toString().substring(0, 8);
			ExecutorService pool = Executors.newFixedThreadPool(8);
			try {
				List<Future<Response>> calls = new ArrayList<>();
				for (int i = 0; i < 40; i++) {
					ConfigurableApplicationContext instance = instances.get(i % 2);
					calls.add(pool.submit(() -> Http.postJson(url(instance, "/inventory/" + sku + "/restock"), "{\"quantity\":1}")));
				}
				for (Future<Response> call : calls) {
					assertThat(call.get().status()).as(call.get().body()).isEqualTo(200);
				}
			}
			finally {
				pool.shutdownNow();
			}
			assertThat(Http.get(url(instances.get(1), "/inventory/" + sku)).body()).contains("\"available\":40");
		}
		finally {
			instances.forEach(ConfigurableApplicationContext::close);
		}
	}

	private static ConfigurableApplicationContext start(String backend, String database) {
		RedisEndpoint redis = TestServices.redis();
		String redlockNodes = TestServices.redlockNodes().stream().map(RedisEndpoint::uri).collect(Collectors.joining(","));
		return new SpringApplicationBuilder(InventoryApplication.class).run("--server.port=0",
				"--spring.datasource.url=jdbc:h2:mem:" + database + ";DB_CLOSE_DELAY=-1", "--distcore.lock.backend=" + backend,
				"--distcore.lock.wait-time=30s", "--spring.data.redis.host=" + redis.host(),
				"--spring.data.redis.port=" + redis.port(), "--distcore.lock.redlock.nodes=" + redlockNodes,
				"--distcore.lock.redlock.node-timeout=1s",
				"--distcore.zookeeper.connect-string=" + TestServices.zookeeper().getConnectString());
	}

	private static String url(ConfigurableApplicationContext instance, String path) {
		return "http://127.0.0.1:" + instance.getEnvironment().getProperty("local.server.port") + path;
	}

}
