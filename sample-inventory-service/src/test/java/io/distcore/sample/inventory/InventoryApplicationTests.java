package io.distcore.sample.inventory;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.distcore.test.Http;
import io.distcore.test.Http.Response;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = "spring.datasource.url=jdbc:h2:mem:inventory-app-tests;DB_CLOSE_DELAY=-1")
class InventoryApplicationTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	@Autowired
	InventoryService inventory;

	@Test
	void restockCreatesAnUnknownSkuAndAddsToAKnownOne() {
		String sku = newSku();
		assertStock(post("/inventory/" + sku + "/restock", "{\"quantity\":5}"), 200, sku, 5, 0);
		assertStock(post("/inventory/" + sku + "/restock", "{\"quantity\":3}"), 200, sku, 8, 0);
		assertStock(Http.get(url("/inventory/" + sku)), 200, sku, 8, 0);
	}

	@Test
	void unknownSkuIsA404Problem() {
		Response response = Http.get(url("/inventory/" + newSku()));
		assertProblem(response, 404, "Unknown SKU");
	}

	@Test
	void invalidQuantityIsA400ProblemNamingTheField() {
		String sku = newSku();
		assertProblem(post("/inventory/" + sku + "/restock", "{\"quantity\":0}"), 400, "quantity");
		assertProblem(post("/inventory/" + sku + "/restock", "{}"), 400, "quantity");
		assertProblem(post("/inventory/" + sku + "/restock", "{\"quantity\":\"many\"}"), 400, "quantity");
		assertProblem(post("/inventory/" + sku + "/restock", "{\"quantity\":2.5}"), 400, "quantity");
		assertProblem(post("/inventory/" + sku + "/restock", "not json"), 400, "not valid JSON");
		assertThat(Http.get(url("/inventory/" + sku)).status()).isEqualTo(404);
	}

	@Test
	void skuOutsideItsBoundsIsA400NamingItAndWritesNothing() {
		int rows = stockRows();
		for (String sku : List.of("A".repeat(65), "A".repeat(5000), "A%20B", "%3Cb%3E", "-A1", "A1%27--")) {
			assertProblem(post("/inventory/" + sku + "/restock", "{\"quantity\":1}"), 400, "sku");
			assertProblem(post("/inventory/" + sku + "/reservations", "{\"orderId\":\"o1\",\"quantity\":1}"), 400, "sku");
			assertProblem(Http.get(url("/inventory/" + sku)), 400, "sku");
		}
		assertThat(stockRows()).isEqualTo(rows);
		String longest = "A".repeat(64);
		assertThat(post("/inventory/" + longest + "/restock", "{\"quantity\":1}").status()).isEqualTo(200);
		this.jdbc.sql("DELETE FROM inventory WHERE sku = ?").param(longest).update();
	}

	@Test
	void quantityBeyondIntIsA400NamingIt() {
		String sku = newSku();
		assertProblem(post("/inventory/" + sku + "/restock", "{\"quantity\":2147483648}"), 400, "quantity");
		assertProblem(post("/inventory/" + sku + "/restock", "{\"quantity\":-2147483648}"), 400, "quantity");
		assertThat(Http.get(url("/inventory/" + sku)).status()).isEqualTo(404);
	}

	@Test
	void restockThatWouldOverflowIsRefusedAndChangesNothing() {
		String sku = newSku();
		int max = Integer.MAX_VALUE;
		assertStock(post("/inventory/" + sku + "/restock", "{\"quantity\":" + max + "}"), 200, sku, max, 0);
		assertProblem(post("/inventory/" + sku + "/restock", "{\"quantity\":" + max + "}"), 409, "Stock limit exceeded");
		assertProblem(post("/inventory/" + sku + "/restock", "{\"quantity\":1}"), 409, "Stock limit exceeded");
		assertStock(Http.get(url("/inventory/" + sku)), 200, sku, max, 0);
		// Sold and frozen units count towards the limit too.
		this.inventory.tryReserve(sku, 3);
		this.inventory.confirmReserve(sku, 2);
		assertProblem(post("/inventory/" + sku + "/restock", "{\"quantity\":1}"), 409, "Stock limit exceeded");
		assertThat(Http.get(url("/inventory/" + sku)).body())
			.isEqualTo("{\"sku\":\"" + sku + "\",\"available\":" + (max - 3) + ",\"frozen\":1,\"sold\":2}");
	}

	@Test
	void reservationWithFieldsOutsideTheirBoundsIsA400NamingThem() {
		String sku = newSku();
		post("/inventory/" + sku + "/restock", "{\"quantity\":5}");
		assertProblem(post("/inventory/" + sku + "/reservations", "{\"orderId\":\"" + "9".repeat(65) + "\",\"quantity\":1}"),
				400, "orderId");
		assertProblem(post("/inventory/" + sku + "/reservations", "{\"quantity\":1}"), 400, "orderId");
		assertProblem(post("/inventory/" + sku + "/reservations", "{\"orderId\":\"o 1\",\"quantity\":1}"), 400, "orderId");
		assertProblem(post("/inventory/" + sku + "/reservations", "{\"orderId\":\"o1\",\"quantity\":-1}"), 400, "quantity");
		assertProblem(post("/inventory/" + sku + "/reservations", "{\"orderId\":\"o1\",\"quantity\":2147483648}"), 400,
				"quantity");
		assertStock(Http.get(url("/inventory/" + sku)), 200, sku, 5, 0);
	}

	@Test
	void theFaultSwitchIsNotMappedUnlessEnabled() {
		assertThat(post("/demo/faults/confirm-failures?count=1", "").status()).isEqualTo(404);
	}

	@Test
	void concurrentRestocksAreAllCounted() throws Exception {
		String sku = newSku();
		ExecutorService pool = Executors.newFixedThreadPool(8);
		try {
			List<Future<Response>> calls = new ArrayList<>();
			for (int i = 0; i < 40; i++) {
				calls.add(pool.submit(() -> post("/inventory/" + sku + "/restock", "{\"quantity\":1}")));
			}
			for (Future<Response> call : calls) {
				assertThat(call.get().status()).isEqualTo(200);
			}
		}
		finally {
			pool.shutdown();
		}
		assertStock(Http.get(url("/inventory/" + sku)), 200, sku, 40, 0);
	}

	@Test
	void readinessIsUpWithTheDatabase() {
		Response response = Http.get(url("/actuator/health/readiness"));
		assertThat(response.status()).isEqualTo(200);
		JsonNode body = json.readTree(response.body());
		assertThat(body.path("status").asString()).isEqualTo("UP");
		assertThat(body.path("components").path("db").path("status").asString()).isEqualTo("UP");
	}

	private int stockRows() {
		return this.jdbc.sql("SELECT COUNT(*) FROM inventory").query(Integer.class).single();
	}

	private Response post(String path, String body) {
		return Http.postJson(url(path), body);
	}

	private String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

	private static String newSku() {
		return "SKU-" + UUID.randomUUID().toString().substring(0, 8);
	}

	private static void assertStock(Response response, int status, String sku, int available, int sold) {
		assertThat(response.status()).as(response.body()).isEqualTo(status);
		assertThat(json.readTree(response.body())).isEqualTo(json.readTree(
				"{\"sku\":\"" + sku + "\",\"available\":" + available + ",\"frozen\":0,\"sold\":" + sold + "}"));
	}

	static void assertProblem(Response response, int status, String detailFragment) {
		assertThat(response.status()).as(response.body()).isEqualTo(status);
		assertThat(response.contentType()).startsWith("application/problem+json");
		JsonNode body = json.readTree(response.body());
		assertThat(body.path("status").asInt()).isEqualTo(status);
		assertThat(body.path("title").asString() + " " + body.path("detail").asString()).contains(detailFragment);
	}

}
