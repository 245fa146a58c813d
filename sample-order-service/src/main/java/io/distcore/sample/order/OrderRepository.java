package io.distcore.sample.order;

import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Orders table.
 */
@Repository
class OrderRepository {

	private final JdbcClient jdbc;

	OrderRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	void insert(Order order) {
		this.jdbc.sql("INSERT INTO orders (order_id, user_id, sku, quantity, status, reason) VALUES (?, ?, ?, ?, ?, ?)")
			.params(order.orderId(), order.userId(), order.sku(), order.quantity(), order.status().name(), order.reason())
			.update();
	}

	Optional<Order> find(long orderId) {
		return this.jdbc.sql("SELECT order_id, user_id, sku, quantity, status, reason FROM orders WHERE order_id = ?")
			.param(orderId)
			.query(Order.class)
			.optional();
	}

}
