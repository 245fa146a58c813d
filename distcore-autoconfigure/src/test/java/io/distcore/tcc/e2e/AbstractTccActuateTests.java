package io.distcore.tcc.e2e;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import com.jayway.jsonpath.JsonPath;
import com.zaxxer.hikari.HikariDataSource;
import io.distcore.tcc.e2e.TccShop.Faults;
import io.distcore.test.Http;
import io.distcore.test.JdbcEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * The {@code tcc} and {@code tccadmin} endpoints and the {@code tcc} health indicator over real HTTP, on
 * transactions the shop of the end-to-end tests makes on a real database: an order service (initiator, with the
 * actuator on a random port and every endpoint exposed) and a stock service it calls.
 */
abstract class AbstractTccActuateTests {

	private static final String SECRET = "actuate-secret-" + UUID.randomUUID() + "-do-not-show";

	private final String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10);

	private final String stockTable = "act_stock_" + this.suffix;

	private final String orderTable = "act_order_" + this.suffix;

	private final String prefix = "act_" + this.suffix + "_";

	private HikariDataSource dataSource;

	private JdbcTemplate jdbc;

	private ConfigurableApplicationContext stockService;

	private ConfigurableApplicationContext orderService;

	private String actuator;

	protected abstract JdbcEndpoint database();

	@BeforeEach
	void start() {
		Faults.reset(System.nanoTime());
		this.dataSource = database().dataSource(2);
		this.jdbc = new JdbcTemplate(this.dataSource);
		this.jdbc.execute("create table " + this.stockTable
				+ " (sku varchar(64) primary key, available int not null, frozen int not null, sold int not null)");
		this.jdbc.execute("create table " + this.orderTable
				+ " (id varchar(64) primary key, sku varchar(64) not null, quantity int not null, status varchar(16) not null)");
		this.jdbc.update("insert into " + this.stockTable + " (sku, available, frozen, sold) values ('A1', 100, 0, 0)");
		this.stockService = new SpringApplicationBuilder(TccShop.StockService.class).web(WebApplicationType.SERVLET)
			.properties(common())
			.properties("server.port=0", "spring.application.name=stock",
					"distcore.tcc.barrier-table=" + this.prefix + "pbarrier",
					"distcore.tcc.table-prefix=" + this.prefix + "p_")
			.run();
	}

	@AfterEach
	void stop() {
		for (ConfigurableApplicationContext context : new ConfigurableApplicationContext[] { this.orderService,
				this.stockService }) {
			if (context != null) {
				context.close();
			}
		}
		for (String table : List.of(this.stockTable, this.orderTable, this.prefix + "pbarrier",
				this.prefix + "ibarrier", this.prefix + "branch", this.prefix + "transaction", this.prefix + "p_branch",
				this.prefix + "p_transaction", "distcore_worker_lease_" + this.suffix)) {
			try {
				this.jdbc.execute("drop table " + table);
			}
			catch (RuntimeException ex) {
				// a table the test never made
			}
		}
		this.dataSource.close();
	}

	@Test
	void listsTransactionsWithFiltersAndShowsOneWithItsBranches() {
		startOrders();
		flow().place("o1", "A1", 1);
		String xid = awaitOneXid("CONFIRMED");
		Http.Response all = get("/tcc");
		assertThat(all.status()).isEqualTo(200);
		assertThat(xids(all)).containsExactly(xid);
		assertThat(xids(get("/tcc?state=confirmed,CANCELLED"))).containsExactly(xid);
		assertThat(xids(get("/tcc?state=CANCELLED"))).isEmpty();
		assertThat(xids(get("/tcc?olderThan=10m"))).isEmpty();
		assertThat(xids(get("/tcc?olderThan=PT0S"))).containsExactly(xid);
		flow().place("o2", "A1", 1);
		awaitUntil(() -> xids(get("/tcc?state=CONFIRMED")).size() == 2, "two confirmed");
		Http.Response page = get("/tcc?limit=1");
		assertThat(xids(page)).containsExactly(xid);
		assertThat((Boolean) JsonPath.read(page.body(), "$.more")).isTrue();
		assertThat((Boolean) JsonPath.read(get("/tcc?limit=2").body(), "$.more")).isFalse();
		Http.Response one = get("/tcc/" + xid);
		assertThat(one.status()).isEqualTo(200);
		assertThat((String) JsonPath.read(one.body(), "$.transaction.state")).isEqualTo("CONFIRMED");
		assertThat((List<String>) JsonPath.read(one.body(), "$.branches[*].state")).containsExactly("CONFIRMED",
				"CONFIRMED");
		assertThat((List<String>) JsonPath.read(one.body(), "$.branches[*].transport")).contains("local", "http");
	}

	@Test
	void badFiltersAre400ProblemsAndAnUnknownXidIs404() {
		startOrders();
		for (String query : List.of("state=NOPE", "state=CONFIRMED,", "olderThan=banana", "olderThan=-PT1M",
				"limit=0", "limit=501", "limit=ten")) {
			Http.Response response = get("/tcc?" + query);
			assertThat(response.status()).as(query).isEqualTo(400);
			assertThat(response.contentType()).as(query).startsWith("application/problem+json");
			assertThat((Integer) JsonPath.read(response.body(), "$.status")).isEqualTo(400);
		}
		assertThat((String) JsonPath.read(get("/tcc?state=NOPE").body(), "$.detail")).contains("CONFIRM_FAILED");
		Http.Response unknown = get("/tcc/" + UUID.randomUUID());
		assertThat(unknown.status()).isEqualTo(404);
		assertThat(unknown.contentType()).startsWith("application/problem+json");
		assertThat(get("/tcc/bad%20xid").status()).isEqualTo(400);
		assertThat(get("/tcc/" + "x".repeat(65)).status()).isEqualTo(400);
	}

	@Test
	void aTransactionThatNeedsAPersonTurnsHealthDegradedAndShowsItsError() {
		startOrders("distcore.tcc.max-retry-time=1s");
		assertThat(tccHealth().status()).isEqualTo(200);
		assertThat((String) JsonPath.read(tccHealth().body(), "$.status")).isEqualTo("UP");
		Faults.confirmFailures.set(Integer.MAX_VALUE);
		flow().place("o1", "A1", 1);
		String xid = awaitOneXid("CONFIRM_FAILED");
		Http.Response health = tccHealth();
		assertThat(health.status()).isEqualTo(200);
		assertThat((String) JsonPath.read(health.body(), "$.status")).isEqualTo("DEGRADED");
		assertThat((Integer) JsonPath.read(health.body(), "$.details.needsPerson")).isEqualTo(1);
		assertThat((List<String>) JsonPath.read(health.body(), "$.details.needsPersonXids")).containsExactly(xid);
		// A status outside Boot's order shows on the component and leaves the aggregate to the others.
		Http.Response overall = get("/health");
		assertThat(overall.status()).isEqualTo(200);
		assertThat((String) JsonPath.read(overall.body(), "$.status")).isEqualTo("UP");
		assertThat((String) JsonPath.read(overall.body(), "$.components.tcc.status")).isEqualTo("DEGRADED");
		Http.Response one = get("/tcc/" + xid);
		assertThat((String) JsonPath.read(one.body(), "$.transaction.lastError")).contains("injected confirm failure");
		assertThat((List<Integer>) JsonPath.read(one.body(), "$.branches[?(@.transport == 'http')].attempts"))
			.singleElement()
			.satisfies((attempts) -> assertThat(attempts).isPositive());
		assertNoSecretIn(xid);
	}

	@Test
	void aTransactionUnfinishedPastTheThresholdIsStuck() {
		startOrders("distcore.tcc.health.stuck-after=1s", "distcore.tcc.health.status=OUT_OF_SERVICE");
		Faults.confirmFailures.set(Integer.MAX_VALUE);
		flow().place("o1", "A1", 1);
		awaitUntil(() -> "OUT_OF_SERVICE".equals(JsonPath.read(tccHealth().body(), "$.status")), "stuck");
		Http.Response health = tccHealth();
		assertThat(health.status()).isEqualTo(503);
		assertThat((Integer) JsonPath.read(health.body(), "$.details.stuck")).isEqualTo(1);
		assertThat((Integer) JsonPath.read(health.body(), "$.details.needsPerson")).isZero();
		assertThat(xids(get("/tcc?state=CONFIRMING&olderThan=1s"))).hasSize(1);
	}

	@Test
	void healthIndicatorCanBeSwitchedOff() {
		startOrders("management.health.tcc.enabled=false");
		assertThat(get("/health").status()).isEqualTo(200);
		assertThat(tccHealth().status()).isEqualTo(404);
		assertThat(get("/tcc").status()).isEqualTo(200);
	}

	@Test
	void writeOperationsAreAbsentWhenEveryEndpointIsExposed() {
		startOrders("distcore.tcc.max-retry-time=1s");
		Faults.confirmFailures.set(Integer.MAX_VALUE);
		flow().place("o1", "A1", 1);
		String xid = awaitOneXid("CONFIRM_FAILED");
		assertThat(post("/tccadmin/" + xid + "/retry").status()).isEqualTo(404);
		assertThat(post("/tccadmin/" + xid + "/resolve").status()).isEqualTo(404);
		assertThat(get("").body()).contains("\"tcc\"").doesNotContain("tccadmin");
		assertThat(this.orderService.getBeanNamesForType(io.distcore.tcc.actuate.TccAdminEndpoint.class)).isEmpty();
		assertThat(state(xid)).isEqualTo("CONFIRM_FAILED");
	}

	@Test
	void writeOperationsRetryAndResolveOnceAccessIsGranted() {
		startOrders("distcore.tcc.max-retry-time=1s", "management.endpoint.tccadmin.access=unrestricted");
		Faults.confirmFailures.set(Integer.MAX_VALUE);
		flow().place("o1", "A1", 1);
		String first = awaitOneXid("CONFIRM_FAILED");
		flow().place("o2", "A1", 1);
		awaitUntil(() -> xids(get("/tcc?state=CONFIRM_FAILED")).size() == 2, "two failed");
		String second = xids(get("/tcc?state=CONFIRM_FAILED")).get(1);
		Http.Response resolved = post("/tccadmin/" + second + "/resolve");
		assertThat(resolved.status()).isEqualTo(200);
		assertThat((String) JsonPath.read(resolved.body(), "$.transaction.state")).isEqualTo("CONFIRMED");
		assertThat((String) JsonPath.read(resolved.body(), "$.transaction.lastError")).startsWith("resolved by hand")
			.contains("injected confirm failure");
		Faults.confirmFailures.set(0);
		Http.Response retried = post("/tccadmin/" + first + "/retry");
		assertThat(retried.status()).isEqualTo(200);
		assertThat((String) JsonPath.read(retried.body(), "$.transaction.state")).isIn("CONFIRMING", "CONFIRMED");
		awaitUntil(() -> "CONFIRMED".equals(state(first)), "retried transaction confirmed");
		// The retried one was delivered; the resolved one never is again, so its stock stays frozen for the person.
		assertThat(this.jdbc.queryForMap("select frozen, sold from " + this.stockTable + " where sku = 'A1'"))
			.containsEntry("frozen", 1)
			.containsEntry("sold", 1);
		assertThat((List<String>) JsonPath.read(get("/tcc/" + second).body(),
				"$.branches[?(@.transport == 'http')].state")).containsExactly("ENLISTED");
		Http.Response again = post("/tccadmin/" + second + "/retry");
		assertThat(again.status()).isEqualTo(409);
		assertThat(again.contentType()).startsWith("application/problem+json");
		assertThat(post("/tccadmin/" + UUID.randomUUID() + "/retry").status()).isEqualTo(404);
		assertThat(post("/tccadmin/" + first + "/delete").status()).isEqualTo(400);
		assertThat((String) JsonPath.read(tccHealth().body(), "$.status")).isEqualTo("UP");
	}

	private void assertNoSecretIn(String xid) {
		List<String> bodies = new ArrayList<>();
		for (String path : List.of("", "/tcc", "/tcc/" + xid, "/tcc?state=CONFIRM_FAILED", "/health", "/health/tcc",
				"/ids", "/configprops", "/env")) {
			Http.Response response = get(path);
			assertThat(response.status()).as(path).isEqualTo(200);
			bodies.add(response.body());
		}
		assertThat(bodies).allSatisfy((body) -> assertThat(body).doesNotContain(SECRET));
	}

	private void startOrders(String... extra) {
		this.orderService = new SpringApplicationBuilder(TccShop.OrderService.class).web(WebApplicationType.SERVLET)
			.properties(common())
			.properties("server.port=0", "spring.application.name=orders",
					"shop.stock-url=http://127.0.0.1:" + port(this.stockService),
					"distcore.tcc.barrier-table=" + this.prefix + "ibarrier", "distcore.tcc.table-prefix=" + this.prefix,
					"distcore.id.snowflake.lease.table-name=distcore_worker_lease_" + this.suffix,
					"management.endpoints.web.exposure.include=*", "management.endpoint.health.show-details=always")
			.properties(extra)
			.run();
		this.actuator = "http://127.0.0.1:" + port(this.orderService) + "/actuator";
	}

	private String[] common() {
		JdbcEndpoint database = database();
		return new String[] { "spring.datasource.url=" + database.url(),
				"spring.datasource.username=" + database.username(),
				"spring.datasource.password=" + database.password(), "spring.datasource.hikari.maximum-pool-size=6",
				"shop.stock-table=" + this.stockTable, "shop.order-table=" + this.orderTable,
				"distcore.lock.backend=local", "distcore.tcc.initialize-schema=always",
				"distcore.tcc.security.secret=" + SECRET, "distcore.tcc.retry.initial-interval=100ms",
				"distcore.tcc.retry.max-interval=300ms", "distcore.tcc.recovery.interval=200ms",
				"distcore.tcc.recovery.claim-lease=2s", "spring.main.banner-mode=off", "server.address=127.0.0.1" };
	}

	private TccShop.OrderFlow flow() {
		return this.orderService.getBean(TccShop.OrderFlow.class);
	}

	private Http.Response get(String path) {
		return Http.get(this.actuator + path);
	}

	private Http.Response post(String path) {
		return Http.postWithHeaders(this.actuator + path, Map.of());
	}

	private Http.Response tccHealth() {
		return get("/health/tcc");
	}

	private List<String> xids(Http.Response response) {
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		return JsonPath.read(response.body(), "$.transactions[*].xid");
	}

	private String awaitOneXid(String state) {
		awaitUntil(() -> !xids(get("/tcc?state=" + state)).isEmpty(), "a transaction " + state);
		return xids(get("/tcc?state=" + state)).get(0);
	}

	private String state(String xid) {
		return JsonPath.read(get("/tcc/" + xid).body(), "$.transaction.state");
	}

	private static int port(ConfigurableApplicationContext context) {
		return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
	}

	private static void awaitUntil(BooleanSupplier condition, String what) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				fail("not within 60 s: " + what);
			}
			try {
				Thread.sleep(100);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
		}
	}

}
