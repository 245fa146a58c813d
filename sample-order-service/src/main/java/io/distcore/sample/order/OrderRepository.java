package io.distcore.sample.order;

import java.util.List;
import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Orders table. Status changes are conditional on the order still being {@code PENDING}, so an order settles
 * once: a second confirm or cancel, or a cancel after the confirm, changes nothing.
 */
@Repository
class OrderRepository {

	/** Most orders {@link #findBySku} returns. */
	static final int LIST_LIMIT = 1000;

	private static final int REASON_WIDTH = 255;

	private final JdbcClient jdbc;

	OrderRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	void insert(Order order) {
		this.jdbc.sql("INSERT INTO orders (order_id, user_id, sku, quantity, status, reason) VALUES (?, ?, ?, ?, ?, ?)")
			.params(order.orderId(), order.userId(), order.sku(), order.quantity(), order.status().name(), order.reason())
			.update();
	}

	/**
	 * @return whether the order was pending and is now confirmed
	 */
	boolean confirm(long orderId) {
		return this.jdbc.sql("UPDATE orders SET status = ?, reason = NULL WHERE order_id = ? AND status = ?")
			.params(Order.Status.CONFIRMED.name(), orderId, Order.Status.PENDING.name())
			.update() == 1;
	}

	/**
	 * Records why a pending order is going to be cancelled, for the cancel that follows (which may run later,
	 * from recovery, and knows only the order).
	 * @param reason why; cut to the column's width
	 */
	void noteReason(long orderId, String reason) {
		this.jdbc.sql("UPDATE orders SET reason = ? WHERE order_id = ? AND status = ?")
			.params(fit(reason), orderId, Order.Status.PENDING.name())
			.update();
	}

	/**
	 * @param reason why, unless {@link #noteReason} recorded a reason first; cut to the column's width
	 * @return whether the order was pending and is now cancelled
	 */
	boolean cancel(long orderId, String reason) {
		return this.jdbc.sql("UPDATE orders SET status = ?, reason = COALESCE(reason, ?) WHERE order_id = ? AND status = ?")
			.params(Order.Status.CANCELLED.name(), fit(reason), orderId, Order.Status.PENDING.name())
			.update() == 1;
	}

	private static String fit(String reason) {
		return (reason.length() > REASON_WIDTH) ? reason.substring(0, REASON_WIDTH) : reason;
	}

	Optional<Order> find(long orderId) {
		return this.jdbc.sql("SELECT order_id, user_id, sku, quantity, status, reason FROM orders WHERE order_id = ?")
			.param(orderId)
			.query(Order.class)
			.optional();
	}

	/**
	 * Up to {@link #LIST_LIMIT} orders of a SKU with ids above {@code afterId}, oldest first (ids grow with
	 * time): a client pages on by passing the last id it got.
	 */
	List<Order> findBySku(String sku, long afterId) {
		return this.jdbc
			.sql("SELECT order_id, user_id, sku, quantity, status, reason FROM orders WHERE sku = ? AND order_id > ?"
					+ " ORDER BY order_id LIMIT " + LIST_LIMIT)
			.params(sku, afterId)
			.query(Order.class)
			.list();
	}

}
