package io.distcore.sample.order;

import org.springframework.stereotype.Service;

/**
 * Places an order: records it as {@code PENDING} first, so that it exists whatever happens next, then settles
 * its stock with the inventory and records the outcome.
 */
@Service
class OrderPlacement {

	private final OrderRepository orders;

	private final InventoryClient inventory;

	OrderPlacement(OrderRepository orders, InventoryClient inventory) {
		this.orders = orders;
		this.inventory = inventory;
	}

	/**
	 * @param pending the validated order, {@code PENDING}
	 * @return the order as it ended, {@code CONFIRMED} or {@code CANCELLED}
	 * @throws InventoryUnavailableException when no inventory instance answered; the order is then
	 * {@code CANCELLED}
	 */
	Order place(Order pending) {
		this.orders.insert(pending);
		String refusal;
		try {
			refusal = this.inventory.deduct(Long.toString(pending.orderId()), pending.sku(), pending.quantity());
		}
		catch (InventoryUnavailableException ex) {
			this.orders.cancel(pending.orderId(), "inventory unavailable");
			throw ex;
		}
		if (refusal != null) {
			this.orders.cancel(pending.orderId(), refusal);
		}
		else {
			this.orders.confirm(pending.orderId());
		}
		return this.orders.find(pending.orderId()).orElseThrow();
	}

}
