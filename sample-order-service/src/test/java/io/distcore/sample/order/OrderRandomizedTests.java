package io.distcore.sample.order;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.distcore.test.Http;
import io.distcore.test.Http.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static io.distcore.sample.order.OrderApplicationTests.startInventory;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * 200 concurrent orders from 16 threads against a stock of 50 over two inventory instances, with failed tries,
 * lost replies (the try committed, the caller timed out), failed confirms and failed cancels injected. The
 * books must balance once phase two and recovery are done: every order CONFIRMED or CANCELLED, the confirmed
 * quantity equal to what was sold, nothing frozen, the stock's total unchanged, every answer the final state,
 * and no coordinator or barrier row left unresolved.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.datasource.url=jdbc:h2:mem:order-randomized-tests;DB_CLOSE_DELAY=-1",
				"distcore.tcc.security.secret=" + OrderApplicationTests.TCC_SECRET, "sample.inventory.timeout=1s",
				"distcore.tcc.retry.initial-interval=100ms", "distcore.tcc.retry.max-interval=1s",
				"distcore.tcc.recovery.interval=1s" })
class OrderRandomizedTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final int STOCK = 50;

	private static final int ORDERS = 200;

	private static final Duration PATIENCE = Duration.ofMinutes(3);

	private static List<ConfigurableApplicationContext> inventories;

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	@DynamicPropertySource
	static void inventoryInstances(DynamicPropertyRegistry registry) {
		String database = "order-randomized-tests-inventory";
		inventories = List.of(startInventory(database, "--sample.faults.enabled=true", "--sample.faults.lost-reply-delay=1500ms"),
				startInventory(database, "--sample.faults.enabled=true", "--sample.faults.lost-reply-delay=1500ms"));
		registry.add("sample.inventory.instances", () -> inventoryUrl(0) + "," + inventoryUrl(1));
	}

	@AfterAll
	static void stopInventories() {
		inventories.forEach(ConfigurableApplicationContext::close);
	}

	@Test
	void concurrentOrdersWithInjectedFaultsBalanceTheBooks() throws Exception {
		long seed = System.nanoTime();
		Random random = new Random(seed);
		String sku = "RND-" + UUID.randomUUID().toString().substring(0, 8);
		assertThat(Http.postJson(inventoryUrl(0) + "/inventory/" + sku + "/restock", "{\"quantity\":" + STOCK + "}").status())
			.isEqualTo(200);
		for (int i = 0; i < inventories.size(); i++) {
			arm(i, "try-failures", 10);
			arm(i, "lost-replies", 5);
			arm(i, "confirm-failures", 10);
			arm(i, "cancel-failures", 10);
		}

		Map<String, Integer> answers = new HashMap<>();
		ExecutorService pool = Executors.newFixedThreadPool(16);
		try {
			List<Future<Response>> calls = new ArrayList<>();
			for (int i = 0; i < ORDERS; i++) {
				String body = "{\"userId\":\"u" + i + "\",\"sku\":\"" + sku + "\",\"quantity\":" + (1 + random.nextInt(3)) + "}";
				calls.add(pool.submit(() -> Http.postJson(url("/orders"), body)));
			}
			for (Future<Response> call : calls) {
				Response response = call.get();
				assertThat(response.status()).as("seed %d: %s", seed, response.body()).isIn(201, 409, 502, 503);
				JsonNode order = json.readTree(response.body());
				if (order.has("orderId")) {
					answers.put(order.path("orderId").asString(), response.status());
				}
			}
		}
		finally {
			pool.shutdownNow();
		}

		long deadline = System.nanoTime() + PATIENCE.toNanos();
		while (!settled(sku)) {
			assertThat(System.nanoTime()).as("seed %d: settled in time; stock %s", seed, stock(sku)).isLessThan(deadline);
			Thread.sleep(500);
		}

		List<JsonNode> orders = orders(sku);
		assertThat(orders).as("seed %d", seed).hasSize(ORDERS);
		int confirmed = 0;
		for (JsonNode order : orders) {
			String status = order.path("status").asString();
			assertThat(status).as("seed %d: %s", seed, order).isIn("CONFIRMED", "CANCELLED");
			Integer answer = answers.get(order.path("orderId").asString());
			if (answer != null) {
				assertThat(status).as("seed %d: the answer was the outcome of %s", seed, order)
					.isEqualTo((answer == 201) ? "CONFIRMED" : "CANCELLED");
			}
			if (status.equals("CONFIRMED")) {
				confirmed += order.path("quantity").asInt();
			}
		}
		JsonNode stock = stock(sku);
		assertThat(stock.path("frozen").asInt()).as("seed %d", seed).isZero();
		assertThat(stock.path("sold").asInt()).as("seed %d", seed).isEqualTo(confirmed);
		assertThat(stock.path("available").asInt() + stock.path("sold").asInt()).as("seed %d", seed).isEqualTo(STOCK);
		assertThat(unresolvedTransactions()).as("seed %d", seed).isZero();
		assertThat(unresolvedBarriers(this.jdbc)).as("seed %d: order barrier", seed).isZero();
		assertThat(unresolvedBarriers(inventories.get(0).getBean(JdbcClient.class))).as("seed %d: inventory barrier", seed)
			.isZero();
	}

	private boolean settled(String sku) {
		return stock(sku).path("frozen").asInt() == 0
				&& orders(sku).stream().noneMatch((order) -> order.path("status").asString().equals("PENDING"))
				&& unresolvedTransactions() == 0;
	}

	private int unresolvedTransactions() {
		return this.jdbc.sql("SELECT COUNT(*) FROM distcore_tcc_transaction WHERE state NOT IN ('CONFIRMED', 'CANCELLED')")
			.query(Integer.class)
			.single();
	}

	/** Tries (or empty-rollback markers) without their confirm or cancel. */
	private static int unresolvedBarriers(JdbcClient jdbc) {
		return jdbc.sql("SELECT COUNT(*) FROM distcore_tcc_barrier t WHERE t.phase = 'TRY' AND NOT EXISTS (SELECT 1 FROM"
				+ " distcore_tcc_barrier s WHERE s.xid = t.xid AND s.branch_id = t.branch_id AND s.phase IN ('CONFIRM', 'CANCEL'))")
			.query(Integer.class)
			.single();
	}

	private List<JsonNode> orders(String sku) {
		List<JsonNode> all = new ArrayList<>();
		String after = "0";
		while (true) {
			JsonNode page = json.readTree(Http.get(url("/orders?sku=" + sku + "&after=" + after)).body());
			if (page.isEmpty()) {
				return all;
			}
			page.forEach(all::add);
			after = page.get(page.size() - 1).path("orderId").asString();
		}
	}

	private static JsonNode stock(String sku) {
		return json.readTree(Http.get(inventoryUrl(1) + "/inventory/" + sku).body());
	}

	private static void arm(int instance, String kind, int count) {
		assertThat(Http.postJson(inventoryUrl(instance) + "/demo/faults/" + kind + "?count=" + count, "").status())
			.isEqualTo(200);
	}

	private String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

	private static String inventoryUrl(int index) {
		return "http://127.0.0.1:" + inventories.get(index).getEnvironment().getProperty("local.server.port");
	}

}
