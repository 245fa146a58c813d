package io.distcore.sample.order;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.distcore.test.Http;
import io.distcore.test.Http.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static io.distcore.sample.order.OrderApplicationTests.startInventory;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Orders as TCC transactions over real HTTP: a confirm that fails is finished by the coordinator's retry, and
 * the inventory's try cannot be called outside a transaction.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.datasource.url=jdbc:h2:mem:order-tcc-tests;DB_CLOSE_DELAY=-1",
				"distcore.tcc.security.secret=" + OrderApplicationTests.TCC_SECRET,
				"distcore.tcc.retry.initial-interval=200ms", "distcore.tcc.recovery.interval=1s" })
class OrderTccTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final Duration PATIENCE = Duration.ofSeconds(60);

	private static List<ConfigurableApplicationContext> inventories;

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void inventoryInstances(DynamicPropertyRegistry registry) {
		inventories = List.of(startInventory("order-tcc-tests-inventory", "--sample.faults.enabled=true"),
				startInventory("order-tcc-tests-inventory", "--sample.faults.enabled=true"));
		registry.add("sample.inventory.instances", () -> inventoryUrl(0) + "," + inventoryUrl(1));
	}

	@AfterAll
	static void stopInventories() {
		inventories.forEach(ConfigurableApplicationContext::close);
	}

	@Test
	void confirmThatFailsIsFinishedByRetry() throws InterruptedException {
		String sku = restockedSku(5);
		for (int i = 0; i < 2; i++) {
			assertThat(Http.postJson(inventoryUrl(i) + "/demo/faults/confirm-failures?count=1", "").status()).isEqualTo(200);
		}
		try {
			Response response = placeOrder(sku, 2);
			// Decided: the answer is the outcome although the inventory's confirm failed.
			assertThat(response.status()).as(response.body()).isEqualTo(201);
			JsonNode order = json.readTree(response.body());
			assertThat(order.path("status").asString()).isEqualTo("CONFIRMED");
			String id = order.path("orderId").asString();

			long deadline = System.nanoTime() + PATIENCE.toNanos();
			while (!(statusOf(id).equals("CONFIRMED") && stock(sku).path("sold").asInt() == 2)) {
				assertThat(System.nanoTime()).as("order %s and its stock settled in time", id).isLessThan(deadline);
				Thread.sleep(200);
			}
			assertThat(stock(sku)).isEqualTo(json.readTree("{\"sku\":\"" + sku + "\",\"available\":3,\"frozen\":0,\"sold\":2}"));
			int left = 0;
			for (int i = 0; i < 2; i++) {
				left += json.readTree(Http.get(inventoryUrl(i) + "/demo/faults").body()).path("confirmFailures").asInt();
			}
			assertThat(left).as("confirm failures not consumed").isLessThanOrEqualTo(1);
		}
		finally {
			for (int i = 0; i < 2; i++) {
				Http.postJson(inventoryUrl(i) + "/demo/faults/confirm-failures?count=0", "");
			}
		}
	}

	/**
	 * The inventory commits the reservation, then its reply is lost (held past the order service's read timeout);
	 * the load balancer retries the same branch's try on the other instance, whose barrier finds the try already
	 * made. That is not a refusal: the order is cancelled as if no instance had answered (503, reason "inventory
	 * unavailable"), and the cancel releases what the first try froze.
	 */
	@Test
	void reservationWhoseReplyIsLostAndRetriedIsNotReportedAsARefusal() throws InterruptedException {
		String sku = restockedSku(5);
		for (int i = 0; i < 2; i++) {
			assertThat(Http.postJson(inventoryUrl(i) + "/demo/faults/lost-replies?count=1", "").status()).isEqualTo(200);
		}
		try {
			Response response = placeOrder(sku, 2);
			assertThat(response.status()).as(response.body()).isEqualTo(503);
			assertThat(response.body()).doesNotContainIgnoringCase("refused").contains("reply to the reservation was lost");
			JsonNode orders = json.readTree(Http.get(url("/orders?sku=" + sku)).body());
			assertThat(orders).hasSize(1);
			String id = orders.get(0).path("orderId").asString();
			long deadline = System.nanoTime() + PATIENCE.toNanos();
			while (!(statusOf(id).equals("CANCELLED") && stock(sku).path("frozen").asInt() == 0)) {
				assertThat(System.nanoTime()).as("order %s cancelled and its stock released in time", id)
					.isLessThan(deadline);
				Thread.sleep(200);
			}
			JsonNode order = json.readTree(Http.get(url("/orders/" + id)).body());
			assertThat(order.path("reason").asString()).isEqualTo("inventory unavailable");
			assertThat(stock(sku)).isEqualTo(json.readTree("{\"sku\":\"" + sku + "\",\"available\":5,\"frozen\":0,\"sold\":0}"));
			int left = 0;
			for (int i = 0; i < 2; i++) {
				left += json.readTree(Http.get(inventoryUrl(i) + "/demo/faults").body()).path("lostReplies").asInt();
			}
			assertThat(left).as("one reply lost, the retry answered at once").isOne();
		}
		finally {
			for (int i = 0; i < 2; i++) {
				Http.postJson(inventoryUrl(i) + "/demo/faults/lost-replies?count=0", "");
			}
		}
	}

	@Test
	void refusedReservationCancelsTheOrderAndFreezesNothing() {
		String sku = restockedSku(1);
		Response response = placeOrder(sku, 2);
		assertThat(response.status()).as(response.body()).isEqualTo(409);
		String id = json.readTree(response.body()).path("orderId").asString();
		assertThat(statusOf(id)).isEqualTo("CANCELLED");
		assertThat(stock(sku)).isEqualTo(json.readTree("{\"sku\":\"" + sku + "\",\"available\":1,\"frozen\":0,\"sold\":0}"));
	}

	@Test
	void reservationOutsideATransactionIsRefusedAndFreezesNothing() {
		String sku = restockedSku(5);
		Response response = Http.postJson(inventoryUrl(0) + "/inventory/" + sku + "/reservations",
				"{\"orderId\":\"forged-1\",\"quantity\":2}");
		assertThat(response.status()).as(response.body()).isGreaterThanOrEqualTo(400);
		assertThat(stock(sku).path("frozen").asInt()).isZero();
		assertThat(stock(sku).path("available").asInt()).isEqualTo(5);
	}

	private Response placeOrder(String sku, int quantity) {
		return Http.postJson(url("/orders"), "{\"userId\":\"u1\",\"sku\":\"" + sku + "\",\"quantity\":" + quantity + "}");
	}

	private String statusOf(String orderId) {
		return json.readTree(Http.get(url("/orders/" + orderId)).body()).path("status").asString();
	}

	private static JsonNode stock(String sku) {
		return json.readTree(Http.get(inventoryUrl(1) + "/inventory/" + sku).body());
	}

	private static String restockedSku(int quantity) {
		String sku = "TCC-" + UUID.randomUUID().toString().substring(0, 8);
		assertThat(Http.postJson(inventoryUrl(0) + "/inventory/" + sku + "/restock", "{\"quantity\":" + quantity + "}")
			.status()).isEqualTo(200);
		return sku;
	}

	private String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

	private static String inventoryUrl(int index) {
		return "http://127.0.0.1:" + inventories.get(index).getEnvironment().getProperty("local.server.port");
	}

}
