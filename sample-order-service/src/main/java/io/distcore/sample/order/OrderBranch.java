package io.distcore.sample.order;

import io.distcore.tcc.TccAction;
import io.distcore.tcc.TccContext;

import org.springframework.stereotype.Component;

/**
 * The order service's own TCC branch of a placement: the try records the order as {@code PENDING}, confirm
 * makes it {@code CONFIRMED}, cancel {@code CANCELLED} with the reason the placement noted (or a generic one
 * when the transaction was cancelled by recovery, after a timeout or a crash).
 */
@Component
public class OrderBranch {

	/** Reason of a cancel nobody explained: the transaction timed out or its initiator died. */
	static final String DEFAULT_CANCEL_REASON = "order transaction cancelled";

	private final OrderRepository orders;

	OrderBranch(OrderRepository orders) {
		this.orders = orders;
	}

	/**
	 * Records a pending order.
	 */
	@TccAction(name = "order-record", confirmMethod = "confirm", cancelMethod = "cancel")
	public void record(long orderId, String userId, String sku, int quantity) {
		this.orders.insert(new Order(orderId, userId, sku, quantity, Order.Status.PENDING, null));
	}

	public void confirm(TccContext context) {
		this.orders.confirm(context.argument("orderId", Long.class));
	}

	public void cancel(TccContext context) {
		this.orders.cancel(context.argument("orderId", Long.class), DEFAULT_CANCEL_REASON);
	}

}
