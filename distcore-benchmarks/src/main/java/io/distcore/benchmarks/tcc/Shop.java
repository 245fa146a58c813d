package io.distcore.benchmarks.tcc;

import io.distcore.tcc.TccAction;
import io.distcore.tcc.TccContext;
import io.distcore.tcc.TccTransaction;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.core.Ordered;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;

/**
 * The benchmark's two services. Both flows make the same business writes: an order row inserted and then marked
 * confirmed, stock moved from available to frozen and then to sold, with one HTTP call from order to stock. The
 * TCC flow adds what TCC needs (log rows, barrier rows, the phase-two call); the plain flow has no protection.
 */
final class Shop {

	private Shop() {
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import({ StockAction.class, StockController.class })
	static class StockService {

		@Bean
		static BeanPostProcessor countStockStatements() {
			return Counters.countStatements(Counters.stockStatements);
		}

		@Bean
		FilterRegistrationBean<?> countStockRequests() {
			// First in the chain: distcore's TCC filter answers phase-two requests itself, ahead of later filters.
			FilterRegistrationBean<?> registration = new FilterRegistrationBean<>(Counters.countRequests());
			registration.setOrder(Ordered.HIGHEST_PRECEDENCE);
			return registration;
		}

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
			freeze(sku, quantity);
		}

		public void confirm(TccContext context) {
			sell(context.argument("sku", String.class), context.argument("quantity", Integer.class));
		}

		public void cancel(TccContext context) {
			this.jdbc.update("update " + this.table + " set frozen = frozen - ?, available = available + ? where sku = ?",
					context.argument("quantity", Integer.class), context.argument("quantity", Integer.class),
					context.argument("sku", String.class));
		}

		@Transactional
		public void freezeAndSell(String sku, int quantity) {
			freeze(sku, quantity);
			sell(sku, quantity);
		}

		private void freeze(String sku, int quantity) {
			int updated = this.jdbc.update("update " + this.table
					+ " set available = available - ?, frozen = frozen + ? where sku = ? and available >= ?", quantity,
					quantity, sku, quantity);
			if (updated == 0) {
				throw new IllegalStateException("out of stock");
			}
		}

		private void sell(String sku, int quantity) {
			this.jdbc.update("update " + this.table + " set frozen = frozen - ?, sold = sold + ? where sku = ?", quantity,
					quantity, sku);
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
			return ResponseEntity.noContent().build();
		}

		@PostMapping("/plain/{sku}/sales")
		ResponseEntity<Void> sell(@PathVariable String sku, @RequestParam int quantity) {
			this.action.freezeAndSell(sku, quantity);
			return ResponseEntity.noContent().build();
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import({ OrderAction.class, OrderFlow.class })
	static class OrderService {

		@Bean
		static BeanPostProcessor countOrderStatements() {
			return Counters.countStatements(Counters.orderStatements);
		}

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
			insert(orderId, sku, quantity);
		}

		public void confirm(TccContext context) {
			mark(context.argument("orderId", String.class), "CONFIRMED");
		}

		public void cancel(TccContext context) {
			mark(context.argument("orderId", String.class), "CANCELLED");
		}

		void insert(String orderId, String sku, int quantity) {
			this.jdbc.update("insert into " + this.table + " (id, sku, quantity, status) values (?, ?, ?, 'PENDING')",
					orderId, sku, quantity);
		}

		void mark(String orderId, String status) {
			this.jdbc.update("update " + this.table + " set status = ? where id = ?", status, orderId);
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
		public void placeWithTcc(String orderId, String sku) {
			this.orders.create(orderId, sku, 1);
			this.stock.post().uri("/stock/{sku}/reservations?quantity=1", sku).retrieve().toBodilessEntity();
		}

		public void placeUnprotected(String orderId, String sku) {
			this.orders.insert(orderId, sku, 1);
			this.stock.post().uri("/plain/{sku}/sales?quantity=1", sku).retrieve().toBodilessEntity();
			this.orders.mark(orderId, "CONFIRMED");
		}

	}

}
