package io.distcore.tcc.e2e;

import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.distcore.tcc.TccAction;
import io.distcore.tcc.TccContext;
import io.distcore.tcc.TccTransaction;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.context.annotation.Import;

/**
 * A two-service shop for the end-to-end tests: a stock participant (remote, over HTTP) and an order initiator
 * with a local order branch. Both write real tables; faults are injected through {@link Faults}, shared by the
 * contexts of one JVM.
 */
final class TccShop {

	private TccShop() {
	}

	/** Faults and counters shared by the contexts of a test; reset before each test. */
	static final class Faults {

		static final AtomicInteger confirmFailures = new AtomicInteger();

		static final AtomicInteger cancelFailures = new AtomicInteger();

		/** Probability (0..1) of each random fault kind; 0 unless the randomized test sets it. */
		static volatile double failTry;

		static volatile double slowTry;

		static volatile double lostReply;

		static volatile double failConfirm;

		static volatile double failCancel;

		static volatile Random random = new Random(1);

		/** Business runs per (xid:branch:phase): the oracle that confirm/cancel ran at most once each. */
		static final Map<String, AtomicInteger> runs = new ConcurrentHashMap<>();

		static volatile Duration tryDelay = Duration.ZERO;

		static void reset(long seed) {
			confirmFailures.set(0);
			cancelFailures.set(0);
			failTry = 0;
			slowTry = 0;
			lostReply = 0;
			failConfirm = 0;
			failCancel = 0;
			random = new Random(seed);
			runs.clear();
			tryDelay = Duration.ZERO;
		}

		static boolean roll(double probability) {
			if (probability <= 0) {
				return false;
			}
			synchronized (Faults.class) {
				return random.nextDouble() < probability;
			}
		}

		static void count(TccContext context) {
			runs.computeIfAbsent(context.xid() + ":" + context.branchId() + ":" + context.phase(),
					(key) -> new AtomicInteger()).incrementAndGet();
		}

	}

	static final class OutOfStockException extends RuntimeException {

		OutOfStockException(String sku) {
			super("not enough " + sku);
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import({ StockAction.class, StockController.class })
	static class StockService {

	}

	@Component
	static class StockAction {

		private final JdbcTemplate jdbc;

		private final String table;

		StockAction(JdbcTemplate jdbc, @Value("${shop.stock-table}") String table) {
			this.jdbc = jdbc;
			this.table = table;
		}

		@TccAction(confirmMethod = "confirm", cancelMethod = "cancel")
		public void reserve(String sku, int quantity) {
			if (Faults.roll(Faults.slowTry)) {
				sleep(Duration.ofMillis(200));
			}
			if (!Faults.tryDelay.isZero()) {
				sleep(Faults.tryDelay);
			}
			if (Faults.roll(Faults.failTry)) {
				throw new IllegalStateException("injected try failure");
			}
			int updated = this.jdbc.update("update " + this.table
					+ " set available = available - ?, frozen = frozen + ? where sku = ? and available >= ?", quantity,
					quantity, sku, quantity);
			if (updated == 0) {
				throw new OutOfStockException(sku);
			}
			TccContext.current().put("reservedAt", System.currentTimeMillis());
		}

		public void confirm(TccContext context) {
			if (Faults.confirmFailures.getAndUpdate((n) -> Math.max(0, n - 1)) > 0 || Faults.roll(Faults.failConfirm)) {
				throw new IllegalStateException("injected confirm failure");
			}
			Faults.count(context);
			int quantity = context.argument("quantity", Integer.class);
			this.jdbc.update("update " + this.table + " set frozen = frozen - ?, sold = sold + ? where sku = ?",
					quantity, quantity, context.argument("sku", String.class));
		}

		public void cancel(TccContext context) {
			if (Faults.cancelFailures.getAndUpdate((n) -> Math.max(0, n - 1)) > 0 || Faults.roll(Faults.failCancel)) {
				throw new IllegalStateException("injected cancel failure");
			}
			Faults.count(context);
			if (context.get("reservedAt", Long.class) == null) {
				throw new IllegalStateException("cancel of a try that ran must see what the try put in");
			}
			int quantity = context.argument(1, Integer.class);
			this.jdbc.update("update " + this.table + " set frozen = frozen - ?, available = available + ? where sku = ?",
					quantity, quantity, context.argument(0, String.class));
		}

	}

	@RestController
	static class StockController {

		private final StockAction action;

		StockController(StockAction action) {
			this.action = action;
		}

		@PostMapping("/stock/{sku}/reservations")
		ResponseEntity<Void> reserve(@PathVariable String sku, @RequestParam int quantity) {
			this.action.reserve(sku, quantity);
			if (Faults.roll(Faults.lostReply)) {
				// The try committed; the initiator sees a failure, as if the reply were lost.
				throw new IllegalStateException("injected lost reply");
			}
			return ResponseEntity.noContent().build();
		}

		@ExceptionHandler(OutOfStockException.class)
		@ResponseStatus(HttpStatus.CONFLICT)
		void outOfStock() {
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import({ OrderAction.class, OrderFlow.class })
	static class OrderService {

	}

	@Component
	static class OrderAction {

		private final JdbcTemplate jdbc;

		private final String table;

		OrderAction(JdbcTemplate jdbc, @Value("${shop.order-table}") String table) {
			this.jdbc = jdbc;
			this.table = table;
		}

		@TccAction(confirmMethod = "confirm", cancelMethod = "cancel")
		public void create(String orderId, String sku, int quantity) {
			this.jdbc.update("insert into " + this.table + " (id, sku, quantity, status) values (?, ?, ?, 'PENDING')",
					orderId, sku, quantity);
		}

		public void confirm(TccContext context) {
			Faults.count(context);
			this.jdbc.update("update " + this.table + " set status = 'CONFIRMED' where id = ?",
					context.argument("orderId", String.class));
		}

		public void cancel(TccContext context) {
			Faults.count(context);
			this.jdbc.update("update " + this.table + " set status = 'CANCELLED' where id = ?",
					context.argument("orderId", String.class));
		}

	}

	@Component
	static class OrderFlow {

		private final OrderAction orders;

		private final RestClient stock;

		OrderFlow(OrderAction orders, RestClient.Builder builder, @Value("${shop.stock-url}") String stockUrl) {
			this.orders = orders;
			this.stock = builder.baseUrl(stockUrl).build();
		}

		@TccTransaction
		public void place(String orderId, String sku, int quantity) {
			placeVia(this.stock, orderId, sku, quantity);
		}

		/** Like {@link #place}, the stock reached through {@code stock} (a load-balanced client, say). */
		@TccTransaction
		public void placeVia(RestClient stock, String orderId, String sku, int quantity) {
			this.orders.create(orderId, sku, quantity);
			stock.post().uri("/stock/{sku}/reservations?quantity={quantity}", sku, quantity).retrieve().toBodilessEntity();
		}

		@TccTransaction(timeout = "1s")
		public void placeSlowly(String orderId, String sku, int quantity, Duration pause) {
			place(orderId, sku, quantity);
			sleep(pause);
		}

	}

	static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

}
