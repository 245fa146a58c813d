package io.distcore.sample.order;

import io.distcore.test.Http;
import io.distcore.test.Http.Response;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static io.distcore.sample.order.OrderApplicationTests.assertProblem;
import static io.distcore.sample.order.OrderApplicationTests.deadAddress;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * No inventory instance listens: the order is answered 503 problem+json and kept, cancelled, not lost.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.datasource.url=jdbc:h2:mem:order-without-inventory-tests;DB_CLOSE_DELAY=-1",
				"sample.inventory.timeout=1s", "distcore.tcc.security.secret=" + OrderApplicationTests.TCC_SECRET })
class OrderWithoutInventoryTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void deadInventory(DynamicPropertyRegistry registry) {
		registry.add("sample.inventory.instances", () -> deadAddress() + "," + deadAddress());
	}

	@Test
	void unreachableInventoryIsA503AndTheOrderIsCancelled() {
		Response response = Http.postJson(url("/orders"), "{\"userId\":\"u1\",\"sku\":\"DOWN-1\",\"quantity\":1}");
		assertProblem(response, 503, "Inventory unavailable");
		Response list = Http.get(url("/orders?sku=DOWN-1"));
		assertThat(list.status()).isEqualTo(200);
		JsonNode orders = json.readTree(list.body());
		assertThat(orders.size()).isEqualTo(1);
		assertThat(orders.get(0).path("status").asString()).isEqualTo("CANCELLED");
		assertThat(orders.get(0).path("reason").asString()).isEqualTo("inventory unavailable");
		assertThat(orders.get(0).path("userId").asString()).isEqualTo("u1");
	}

	private String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

}
