package io.distcore.sample.order;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import io.distcore.loadbalancer.DefaultLoadBalancer;
import io.distcore.loadbalancer.ServiceBalancer;
import io.distcore.loadbalancer.ServiceInstance;
import io.distcore.loadbalancer.strategy.RoundRobinStrategy;
import io.distcore.loadbalancer.web.LoadBalancerInterceptor;
import io.distcore.sample.inventory.InventoryApplication;
import io.distcore.test.Http;
import io.distcore.test.Http.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The order service against two real inventory instances (sharing one database) and one address where
 * nothing listens.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.datasource.url=jdbc:h2:mem:order-app-tests;DB_CLOSE_DELAY=-1",
				"distcore.tcc.security.secret=" + OrderApplicationTests.TCC_SECRET })
class OrderApplicationTests {

	/** Shared by the order service and the inventories it calls, as a deployment's would be. */
	static final String TCC_SECRET = "sample-tests-shared-tcc-secret-0123456789abcdef";

	private static final JsonMapper json = JsonMapper.builder().build();

	private static List<ConfigurableApplicationContext> inventories;

	@LocalServerPort
	int port;

	@Autowired
	JdbcClient jdbc;

	@DynamicPropertySource
	static void inventoryInstances(DynamicPropertyRegistry registry) {
		inventories = List.of(startInventory(), startInventory());
		registry.add("sample.inventory.instances", () -> deadAddress() + "," + inventoryUrl(0) + "," + inventoryUrl(1));
	}

	@AfterAll
	static void stopInventories() {
		inventories.forEach(ConfigurableApplicationContext::close);
	}

	@Test
	void orderWithEnoughStockIsConfirmedAndReadable() {
		String sku = restockedSku(5);
		Response response = placeOrder("u1", sku, 2);
		assertThat(response.status()).as(response.body()).isEqualTo(201);
		JsonNode order = json.readTree(response.body());
		assertThat(order.path("orderId").isString()).isTrue();
		assertThat(order.path("userId").asString()).isEqualTo("u1");
		assertThat(order.path("sku").asString()).isEqualTo(sku);
		assertThat(order.path("quantity").asInt()).isEqualTo(2);
		assertThat(order.path("status").asString()).isEqualTo("CONFIRMED");
		assertThat(order.has("reason")).isFalse();

		Response read = Http.get(url("/orders/" + order.path("orderId").asString()));
		assertThat(read.status()).isEqualTo(200);
		assertThat(json.readTree(read.body())).isEqualTo(order);
		assertThat(Http.get(inventoryUrl(1) + "/inventory/" + sku).body()).contains("\"available\":3", "\"frozen\":0",
				"\"sold\":2");
	}

	@Test
	void orderBeyondStockIsCancelledWithAReasonAndLeavesStockAlone() {
		String sku = restockedSku(1);
		Response response = placeOrder("u2", sku, 2);
		assertThat(response.status()).as(response.body()).isEqualTo(409);
		JsonNode order = json.readTree(response.body());
		assertThat(order.path("status").asString()).isEqualTo("CANCELLED");
		assertThat(order.path("reason").asString()).contains("insufficient stock");
		assertThat(json.readTree(Http.get(url("/orders/" + order.path("orderId").asString())).body())).isEqualTo(order);
		assertThat(Http.get(inventoryUrl(0) + "/inventory/" + sku).body()).contains("\"available\":1", "\"frozen\":0",
				"\"sold\":0");
	}

	@Test
	void everyOrderIsServedAlthoughOneInstanceIsDown() {
		String sku = restockedSku(10);
		for (int i = 0; i < 10; i++) {
			assertThat(placeOrder("u3", sku, 1).status()).isEqualTo(201);
		}
		assertThat(placeOrder("u3", sku, 1).status()).isEqualTo(409);
	}

	@Test
	void invalidInputIsA400ProblemNamingTheField() {
		assertProblem(Http.postJson(url("/orders"), "{\"sku\":\"A1\",\"quantity\":1}"), 400, "userId");
		assertProblem(Http.postJson(url("/orders"), "{\"userId\":\"u\",\"sku\":\"A1\",\"quantity\":0}"), 400, "quantity");
		assertProblem(Http.postJson(url("/orders"), "{\"userId\":\"u\",\"sku\":\"A1\",\"quantity\":\"two\"}"), 400,
				"quantity");
		assertProblem(Http.postJson(url("/orders"), "{\"userId\":\"u\",\"quantity\":1}"), 400, "sku");
		assertProblem(Http.postJson(url("/orders"), "<order/>"), 400, "JSON");
	}

	@Test
	void fieldsOutsideTheirBoundsAreA400NamingThemBeforeAnythingIsWritten() {
		int orders = orderRows();
		String sku = restockedSku(5);
		assertProblem(placeOrderJson("u", "A".repeat(5000), "1"), 400, "sku");
		assertProblem(placeOrderJson("u", "A".repeat(65), "1"), 400, "sku");
		assertProblem(placeOrderJson("u", sku + " ", "1"), 400, "sku");
		assertProblem(placeOrderJson("u", "../" + sku, "1"), 400, "sku");
		assertProblem(placeOrderJson("u".repeat(65), sku, "1"), 400, "userId");
		assertProblem(placeOrderJson(" ", sku, "1"), 400, "userId");
		assertProblem(placeOrderJson("u", sku, "-1"), 400, "quantity");
		assertProblem(placeOrderJson("u", sku, Integer.toString(Order.MAX_QUANTITY + 1)), 400, "quantity");
		assertProblem(placeOrderJson("u", sku, "2147483648"), 400, "quantity");
		assertProblem(placeOrderJson("u", sku, "1.5"), 400, "quantity");
		assertProblem(placeOrderJson("u", sku, "1e0"), 400, "quantity");
		assertThat(orderRows()).isEqualTo(orders);
		assertThat(Http.get(inventoryUrl(0) + "/inventory/" + sku).body()).contains("\"available\":5", "\"sold\":0");
		assertThat(placeOrderJson("u".repeat(64), sku, "1").status()).isEqualTo(201);
	}

	@Test
	void ordersOfASkuAreListedWithTheirOutcome() {
		String sku = restockedSku(3);
		String first = json.readTree(placeOrder("u1", sku, 2).body()).path("orderId").asString();
		String second = json.readTree(placeOrder("u2", sku, 2).body()).path("orderId").asString();
		String third = json.readTree(placeOrder("u3", sku, 1).body()).path("orderId").asString();
		placeOrder("u4", restockedSku(1), 1);

		Response list = Http.get(url("/orders?sku=" + sku));
		assertThat(list.status()).as(list.body()).isEqualTo(200);
		JsonNode orders = json.readTree(list.body());
		assertThat(orders.size()).isEqualTo(3);
		assertThat(orders.get(0).path("orderId").asString()).isEqualTo(first);
		assertThat(orders.get(0).path("status").asString()).isEqualTo("CONFIRMED");
		assertThat(orders.get(0).path("quantity").asInt()).isEqualTo(2);
		assertThat(orders.get(1).path("orderId").asString()).isEqualTo(second);
		assertThat(orders.get(1).path("status").asString()).isEqualTo("CANCELLED");
		assertThat(orders.get(1).path("reason").asString()).contains("insufficient stock");
		assertThat(orders.get(2).path("orderId").asString()).isEqualTo(third);
		assertThat(orders.get(2).path("status").asString()).isEqualTo("CONFIRMED");

		JsonNode page = json.readTree(Http.get(url("/orders?sku=" + sku + "&after=" + first)).body());
		assertThat(page.size()).isEqualTo(2);
		assertThat(page.get(0).path("orderId").asString()).isEqualTo(second);
		assertThat(Http.get(url("/orders?sku=NONE-" + UUID.randomUUID().toString().substring(0, 8))).body()).isEqualTo("[]");
	}

	@Test
	void listingWithAnInvalidSkuIsA400NamingIt() {
		assertProblem(Http.get(url("/orders?sku=" + "A".repeat(65))), 400, "sku");
		assertProblem(Http.get(url("/orders?sku=A%27%20OR%201=1")), 400, "sku");
		assertProblem(Http.get(url("/orders")), 400, "sku");
		assertProblem(Http.get(url("/orders?sku=A1&after=x")), 400, "after");
	}

	@Test
	void unknownOrderIsA404Problem() {
		assertProblem(Http.get(url("/orders/" + UUID.randomUUID())), 404, "Unknown order");
	}

	@Test
	void noReachableInventoryIsATypedFailure() {
		InventoryClient client = new InventoryClient(
				new InventoryProperties(List.of(URI.create(deadAddress())), Duration.ofSeconds(1)), RestClient.builder());
		assertThatExceptionOfType(InventoryUnavailableException.class).isThrownBy(() -> client.reserve("o", "A1", 1))
			.satisfies((ex) -> assertThat(ex.getStatusCode().value()).isEqualTo(503));
	}

	@Test
	void deadInventoryBehindTheLoadBalancerIsATypedFailure() {
		ServiceBalancer inventory = new ServiceBalancer("inventory-service", new RoundRobinStrategy(),
				List.of(new ServiceInstance("inventory-service", deadAddress(), 1),
						new ServiceInstance("inventory-service", deadAddress(), 1)));
		RestClient.Builder builder = RestClient.builder()
			.requestInterceptor(new LoadBalancerInterceptor(new DefaultLoadBalancer(List.of(inventory)), null));
		InventoryClient client = new InventoryClient(
				new InventoryProperties(List.of(URI.create(deadAddress())), Duration.ofSeconds(1)), builder);
		assertThatExceptionOfType(InventoryUnavailableException.class).isThrownBy(() -> client.reserve("o", "A1", 1))
			.satisfies((ex) -> assertThat(ex.getStatusCode().value()).isEqualTo(503));
		assertThat(inventory.endpoints()).allSatisfy((endpoint) -> assertThat(endpoint.inFlight()).isZero())
			.allSatisfy((endpoint) -> assertThat(endpoint.health().consecutiveFailures()).isEqualTo(1));
	}

	private Response placeOrder(String user, String sku, int quantity) {
		return placeOrderJson(user, sku, Integer.toString(quantity));
	}

	private Response placeOrderJson(String user, String sku, String quantity) {
		return Http.postJson(url("/orders"),
				"{\"userId\":\"" + user + "\",\"sku\":\"" + sku + "\",\"quantity\":" + quantity + "}");
	}

	private int orderRows() {
		return this.jdbc.sql("SELECT COUNT(*) FROM orders").query(Integer.class).single();
	}

	private static String restockedSku(int quantity) {
		String sku = "SKU-" + UUID.randomUUID().toString().substring(0, 8);
		Response restock = Http.postJson(inventoryUrl(0) + "/inventory/" + sku + "/restock", "{\"quantity\":" + quantity + "}");
		assertThat(restock.status()).isEqualTo(200);
		return sku;
	}

	private String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

	private static String inventoryUrl(int index) {
		return "http://127.0.0.1:" + inventories.get(index).getEnvironment().getProperty("local.server.port");
	}

	private static ConfigurableApplicationContext startInventory() {
		return startInventory("order-app-tests-inventory");
	}

	/**
	 * An inventory instance on an in-memory database of that name (instances given the same name share it).
	 */
	static ConfigurableApplicationContext startInventory(String database, String... more) {
		// A config name of its own keeps this context away from the order service's application.yml.
		List<String> args = new ArrayList<>(List.of("--spring.config.name=inventory-under-test",
				"--server.port=0", "--spring.datasource.url=jdbc:h2:mem:" + database + ";DB_CLOSE_DELAY=-1",
				"--spring.sql.init.mode=always", "--spring.sql.init.schema-locations=classpath:inventory-schema.sql",
				"--spring.mvc.problemdetails.enabled=true", "--distcore.tcc.initialize-schema=always",
				"--distcore.tcc.security.secret=" + TCC_SECRET));
		args.addAll(List.of(more));
		return new SpringApplicationBuilder(InventoryApplication.class).run(args.toArray(String[]::new));
	}

	static String deadAddress() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return "http://127.0.0.1:" + socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	static void assertProblem(Response response, int status, String fragment) {
		assertThat(response.status()).as(response.body()).isEqualTo(status);
		assertThat(response.contentType()).startsWith("application/problem+json");
		JsonNode body = json.readTree(response.body());
		assertThat(body.path("title").asString() + " " + body.path("detail").asString()).contains(fragment);
	}

}
