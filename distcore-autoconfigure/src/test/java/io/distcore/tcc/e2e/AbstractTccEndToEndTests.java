package io.distcore.tcc.e2e;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.loadbalancer.web.LoadBalancerInterceptor;
import io.distcore.tcc.Phase;
import io.distcore.tcc.TccException;
import io.distcore.tcc.e2e.TccShop.Faults;
import io.distcore.tcc.web.TccClientInterceptor;
import io.distcore.tcc.web.TccSigner;
import io.distcore.test.Http;
import io.distcore.test.JdbcEndpoint;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.HttpServerErrorException;
import org.springframework.web.client.RestClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

/**
 * TCC end to end: an order initiator with a local branch and a stock participant in another Spring context,
 * over real HTTP on random ports, on a real database. Every test checks the books with SQL of its own: the
 * stock's available + frozen + sold stays the initial stock, frozen returns to 0, order rows end CONFIRMED or
 * CANCELLED and agree with what was sold, and the coordinator's log has nothing left unfinished.
 */
abstract class AbstractTccEndToEndTests {

	private static final String SECRET = "e2e-secret-0123456789-abcdefghijklmnopqrstuvwxyz";

	private final String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10);

	private final String stockTable = "e2e_stock_" + this.suffix;

	private final String orderTable = "e2e_order_" + this.suffix;

	private final String initiatorPrefix = "e2e_" + this.suffix + "_";

	private final String participantBarrier = "e2e_" + this.suffix + "_pbarrier";

	private final String initiatorBarrier = "e2e_" + this.suffix + "_ibarrier";

	private HikariDataSource dataSource;

	private JdbcTemplate jdbc;

	private ConfigurableApplicationContext stockService;

	private ConfigurableApplicationContext orderService;

	private int stockPort;

	protected abstract JdbcEndpoint database();

	@BeforeEach
	void start() {
		Faults.reset(System.nanoTime());
		this.dataSource = database().dataSource(4);
		this.jdbc = new JdbcTemplate(this.dataSource);
		this.jdbc.execute("create table " + this.stockTable
				+ " (sku varchar(64) primary key, available int not null, frozen int not null, sold int not null)");
		this.jdbc.execute("create table " + this.orderTable
				+ " (id varchar(64) primary key, sku varchar(64) not null, quantity int not null, status varchar(16) not null)");
		this.stockService = startStock(0);
		this.stockPort = port(this.stockService);
		this.orderService = startOrders();
	}

	@AfterEach
	void stop() {
		close(this.orderService);
		close(this.stockService);
		for (String table : List.of(this.stockTable, this.orderTable, this.participantBarrier, this.initiatorBarrier,
				this.initiatorPrefix + "branch", this.initiatorPrefix + "transaction", this.initiatorPrefix + "p_branch",
				this.initiatorPrefix + "p_transaction")) {
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
	void success() {
		stock("A1", 10);
		flow().place("o1", "A1", 3);
		assertStock("A1", 7, 0, 3);
		assertThat(status("o1")).isEqualTo("CONFIRMED");
		awaitLogFinished();
	}

	@Test
	void tryRefusedCancelsEverything() {
		stock("A1", 2);
		assertThatExceptionOfType(HttpClientErrorException.class).isThrownBy(() -> flow().place("o1", "A1", 3))
			.satisfies((ex) -> assertThat(ex.getStatusCode().value()).isEqualTo(409));
		assertThat(status("o1")).isEqualTo("CANCELLED");
		assertStock("A1", 2, 0, 0);
		awaitLogFinished();
	}

	@Test
	void participantThrowingInTryCancelsEverything() {
		stock("A1", 10);
		Faults.failTry = 1;
		assertThatExceptionOfType(HttpServerErrorException.class).isThrownBy(() -> flow().place("o1", "A1", 3));
		assertThat(status("o1")).isEqualTo("CANCELLED");
		assertStock("A1", 10, 0, 0);
		awaitLogFinished();
	}

	@Test
	void lostReplyAfterTheTryCommittedIsCancelledOnTheParticipant() {
		stock("A1", 10);
		Faults.lostReply = 1;
		assertThatExceptionOfType(HttpServerErrorException.class).isThrownBy(() -> flow().place("o1", "A1", 3));
		assertThat(status("o1")).isEqualTo("CANCELLED");
		assertStock("A1", 10, 0, 0);
		awaitLogFinished();
	}

	@Test
	void confirmFailingTwiceIsRetriedUntilItSucceeds() {
		stock("A1", 10);
		Faults.confirmFailures.set(2);
		flow().place("o1", "A1", 3);
		awaitStock("A1", 7, 0, 3);
		assertThat(Faults.confirmFailures).hasValue(0);
		awaitLogFinished();
		assertEachPhaseRanOnce();
	}

	@Test
	void participantDownDuringConfirmIsRetriedUntilItIsBack() {
		stock("A1", 10);
		Faults.confirmFailures.set(Integer.MAX_VALUE);
		flow().place("o1", "A1", 3);
		assertStock("A1", 7, 3, 0);
		close(this.stockService);
		Faults.confirmFailures.set(0);
		sleepMillis(1000);
		this.stockService = startStock(this.stockPort);
		awaitStock("A1", 7, 0, 3);
		awaitLogFinished();
		assertEachPhaseRanOnce();
	}

	@Test
	void anotherInitiatorOverTheSameDatabaseFinishesWhatAClosedOneLeft() {
		stock("A1", 10);
		Faults.confirmFailures.set(Integer.MAX_VALUE);
		flow().place("o1", "A1", 3);
		close(this.orderService);
		Faults.confirmFailures.set(0);
		assertStock("A1", 7, 3, 0);
		this.orderService = startOrders();
		awaitStock("A1", 7, 0, 3);
		awaitUntil(() -> "CONFIRMED".equals(status("o1")), "order confirmed by the new initiator");
		awaitLogFinished();
	}

	@Test
	void globalTimeoutCancels() {
		stock("A1", 10);
		assertThatThrownBy(() -> flow().placeSlowly("o1", "A1", 3, Duration.ofSeconds(4)))
			.isInstanceOf(TccException.class);
		awaitStock("A1", 10, 0, 0);
		assertThat(status("o1")).isEqualTo("CANCELLED");
		awaitLogFinished();
	}

	@Test
	void forgedTransactionHeadersAreRefusedAndChangeNothing() {
		stock("A1", 10);
		flow().place("o0", "A1", 1);
		String url = "http://127.0.0.1:" + this.stockPort + "/stock/A1/reservations?quantity=3";
		Http.Response response = Http.postWithHeaders(url, Map.of("Distcore-Tcc-Xid", "forged-xid",
				"Distcore-Tcc-Branch", "1", "Distcore-Tcc-Timestamp", String.valueOf(System.currentTimeMillis()),
				"Distcore-Tcc-Signature", "AAAA"));
		assertThat(response.status()).isEqualTo(401);
		Http.Response phaseTwo = Http.postWithHeaders("http://127.0.0.1:" + this.stockPort + "/distcore/tcc/cancel",
				Map.of("Distcore-Tcc-Xid", "forged-xid", "Distcore-Tcc-Branch", "1"));
		assertThat(phaseTwo.status()).isEqualTo(401);
		assertStock("A1", 9, 0, 1);
		assertThat(this.jdbc.queryForObject("select count(*) from " + this.participantBarrier + " where xid = 'forged-xid'",
				Integer.class)).isZero();
	}

	/**
	 * The stock commits a try and its reply is lost (a 500 after the commit); the load balancer, retrying
	 * non-idempotent calls, sends the same branch's try to the other stock instance, whose barrier finds it already
	 * tried. That answer is not the refusal (409) but 410: the initiator's method fails, the transaction is
	 * cancelled, and the cancel releases what the first try froze.
	 */
	@Test
	void aTryWhoseReplyIsLostAndRetriedByTheBalancerIsNotARefusalAndIsCancelled() {
		stock("A1", 10);
		ConfigurableApplicationContext secondStock = startStock(0);
		try {
			close(this.orderService);
			this.orderService = startOrders("distcore.loadbalancer.services.stock.urls=http://127.0.0.1:" + this.stockPort
					+ ",http://127.0.0.1:" + port(secondStock), "distcore.loadbalancer.services.stock.retry.max-retries=1",
					"distcore.loadbalancer.services.stock.retry.non-idempotent=true",
					"distcore.loadbalancer.services.stock.retry.statuses=500");
			RestClient balanced = RestClient.builder()
				.baseUrl("http://stock")
				.requestInterceptor(this.orderService.getBean(TccClientInterceptor.class))
				.requestInterceptor(this.orderService.getBean(LoadBalancerInterceptor.class))
				.build();
			Faults.lostReply = 1;
			assertThatExceptionOfType(HttpClientErrorException.class)
				.isThrownBy(() -> flow().placeVia(balanced, "o1", "A1", 3))
				.satisfies((ex) -> assertThat(ex.getStatusCode().value()).isEqualTo(410))
				.satisfies((ex) -> assertThat(ex.getResponseBodyAsString()).contains("TCC try already ran"));
			awaitUntil(() -> "CANCELLED".equals(status("o1")), "order cancelled");
			awaitStock("A1", 10, 0, 0);
			awaitLogFinished();
			assertEachPhaseRanOnce();
			assertThat(count("select count(*) from " + this.participantBarrier + " where phase = 'TRY' and origin = 'TRY'"))
				.isOne();
		}
		finally {
			close(secondStock);
		}
	}

	/**
	 * A try's headers, as captured from the wire, replayed within the skew window with a larger quantity, for
	 * another SKU, or with another method: each is refused and changes no row. The very same request is still
	 * accepted, so the refusals come from what was changed.
	 */
	@Test
	void capturedTryHeadersReplayedForAnotherQuantitySkuOrMethodChangeNothing() {
		stock("A1", 10);
		stock("B1", 10);
		// A real order first: the barrier table exists, and the signing below is the clients' own.
		flow().place("o0", "A1", 1);
		String signedPath = "/stock/A1/reservations?quantity=1";
		String base = "http://127.0.0.1:" + this.stockPort;
		TccSigner signer = TccSigner.of(SECRET, Duration.ofMinutes(5), java.time.Clock.systemUTC());
		Map<String, String> captured = new java.util.LinkedHashMap<>();
		signer.sign("captured-xid", "1", Phase.TRY,
				TccSigner.Target.of("POST", java.net.URI.create(base + signedPath), new byte[0]))
			.writeTo(captured::put);
		for (String[] replay : new String[][] { { "POST", "/stock/A1/reservations?quantity=1000" },
				{ "POST", "/stock/B1/reservations?quantity=1" }, { "PUT", signedPath } }) {
			Http.Response response = Http.send(replay[0], base + replay[1], "", captured);
			assertThat(response.status()).as("%s %s", (Object[]) replay).isEqualTo(401);
		}
		assertThat(Http.send("POST", base + signedPath, "{\"quantity\":1000}", captured).status()).isEqualTo(401);
		assertStock("A1", 9, 0, 1);
		assertStock("B1", 10, 0, 0);
		assertThat(count("select count(*) from " + this.participantBarrier + " where xid = 'captured-xid'")).isZero();
		assertThat(Http.send("POST", base + signedPath, "", captured).status()).isEqualTo(204);
		assertStock("A1", 8, 1, 1);
	}

	/**
	 * 200 orders of one unit from 16 threads against a stock of 50, with failed and slow tries, replies lost after
	 * the participant committed, and failing confirms and cancels: every order ends CONFIRMED or CANCELLED and the
	 * books balance.
	 */
	@Test
	void randomizedFaults() throws Exception {
		stock("R1", 50);
		Faults.failTry = 0.05;
		Faults.slowTry = 0.05;
		Faults.lostReply = 0.05;
		Faults.failConfirm = 0.2;
		Faults.failCancel = 0.2;
		ExecutorService clients = Executors.newFixedThreadPool(16);
		List<Future<?>> calls = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			String orderId = "r" + i;
			calls.add(clients.submit(() -> {
				try {
					flow().place(orderId, "R1", 1);
				}
				catch (RuntimeException ex) {
					// refused or failed: the order must then end CANCELLED
				}
			}));
		}
		for (Future<?> call : calls) {
			call.get(120, TimeUnit.SECONDS);
		}
		clients.shutdown();
		awaitUntil(() -> count("select count(*) from " + this.orderTable + " where status = 'PENDING'") == 0
				&& frozen("R1") == 0, "no order pending and nothing frozen");
		awaitLogFinished();
		Map<String, Object> stock = this.jdbc.queryForMap("select available, frozen, sold from " + this.stockTable
				+ " where sku = 'R1'");
		int available = ((Number) stock.get("available")).intValue();
		int frozen = ((Number) stock.get("frozen")).intValue();
		int sold = ((Number) stock.get("sold")).intValue();
		assertThat(available + frozen + sold).isEqualTo(50);
		assertThat(frozen).isZero();
		assertThat(count("select count(*) from " + this.orderTable + " where status = 'CONFIRMED'")).isEqualTo(sold);
		assertThat(count("select count(*) from " + this.orderTable)
				- count("select count(*) from " + this.orderTable + " where status in ('CONFIRMED', 'CANCELLED')"))
			.isZero();
		assertThat(sold).isPositive();
		assertEachPhaseRanOnce();
		// every barrier try row is resolved by exactly one confirm or cancel row
		for (String barrier : List.of(this.participantBarrier, this.initiatorBarrier)) {
			assertThat(count("select count(*) from " + barrier + " t where t.phase = 'TRY' and "
					+ "(select count(*) from " + barrier + " p where p.xid = t.xid and p.branch_id = t.branch_id "
					+ "and p.phase in ('CONFIRM', 'CANCEL')) <> 1")).as(barrier).isZero();
		}
	}

	private void assertEachPhaseRanOnce() {
		assertThat(Faults.runs).allSatisfy((key, runs) -> assertThat(runs.get()).as(key).isEqualTo(1));
	}

	private TccShop.OrderFlow flow() {
		return this.orderService.getBean(TccShop.OrderFlow.class);
	}

	private ConfigurableApplicationContext startStock(int port) {
		return new SpringApplicationBuilder(TccShop.StockService.class).web(WebApplicationType.SERVLET)
			.properties(common())
			.properties("server.port=" + port, "spring.application.name=stock",
					"distcore.tcc.barrier-table=" + this.participantBarrier, "distcore.tcc.table-prefix=" + this.initiatorPrefix + "p_")
			.run();
	}

	private ConfigurableApplicationContext startOrders(String... more) {
		return new SpringApplicationBuilder(TccShop.OrderService.class).web(WebApplicationType.SERVLET)
			.properties(common())
			.properties("server.port=0", "spring.application.name=orders",
					"shop.stock-url=http://127.0.0.1:" + this.stockPort,
					"distcore.tcc.barrier-table=" + this.initiatorBarrier,
					"distcore.tcc.table-prefix=" + this.initiatorPrefix)
			.properties(more)
			.run();
	}

	private String[] common() {
		JdbcEndpoint database = database();
		return new String[] { "spring.datasource.url=" + database.url(),
				"spring.datasource.username=" + database.username(),
				"spring.datasource.password=" + database.password(),
				"spring.datasource.hikari.maximum-pool-size=12", "shop.stock-table=" + this.stockTable,
				"shop.order-table=" + this.orderTable, "distcore.lock.backend=local",
				"distcore.tcc.initialize-schema=always", "distcore.tcc.security.secret=" + SECRET,
				"distcore.tcc.retry.initial-interval=100ms", "distcore.tcc.retry.max-interval=400ms",
				"distcore.tcc.recovery.interval=200ms", "distcore.tcc.recovery.claim-lease=2s",
				"distcore.tcc.participant.read-timeout=5s", "spring.main.banner-mode=off",
				"logging.level.io.distcore=INFO" };
	}

	private static int port(ConfigurableApplicationContext context) {
		return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
	}

	private static void close(ConfigurableApplicationContext context) {
		if (context != null && context.isActive()) {
			context.close();
		}
	}

	private void stock(String sku, int available) {
		this.jdbc.update("insert into " + this.stockTable + " (sku, available, frozen, sold) values (?, ?, 0, 0)", sku,
				available);
	}

	private String status(String orderId) {
		List<String> statuses = this.jdbc.queryForList("select status from " + this.orderTable + " where id = ?",
				String.class, orderId);
		return statuses.isEmpty() ? null : statuses.get(0);
	}

	private int frozen(String sku) {
		return this.jdbc.queryForObject("select frozen from " + this.stockTable + " where sku = ?", Integer.class, sku);
	}

	private int count(String sql) {
		return this.jdbc.queryForObject(sql, Integer.class);
	}

	private void assertStock(String sku, int available, int frozen, int sold) {
		assertThat(this.jdbc.queryForMap("select available, frozen, sold from " + this.stockTable + " where sku = ?", sku))
			.extractingByKeys("available", "frozen", "sold")
			.map((value) -> ((Number) value).intValue())
			.containsExactly(available, frozen, sold);
	}

	private void awaitStock(String sku, int available, int frozen, int sold) {
		awaitUntil(() -> {
			Map<String, Object> row = this.jdbc.queryForMap(
					"select available, frozen, sold from " + this.stockTable + " where sku = ?", sku);
			return ((Number) row.get("available")).intValue() == available
					&& ((Number) row.get("frozen")).intValue() == frozen && ((Number) row.get("sold")).intValue() == sold;
		}, "stock " + sku + " = " + available + "/" + frozen + "/" + sold);
		assertStock(sku, available, frozen, sold);
	}

	private void awaitLogFinished() {
		awaitUntil(() -> count("select count(*) from " + this.initiatorPrefix
				+ "transaction where state not in ('CONFIRMED', 'CANCELLED')") == 0, "every logged transaction finished");
	}

	private static void awaitUntil(BooleanSupplier condition, String what) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				fail("not within 60 s: " + what);
			}
			sleepMillis(50);
		}
	}

	private static void sleepMillis(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
