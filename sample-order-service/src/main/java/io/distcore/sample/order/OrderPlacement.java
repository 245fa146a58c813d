package io.distcore.sample.order;

import io.distcore.tcc.TccTransaction;

import org.springframework.stereotype.Service;
import org.springframework.web.ErrorResponseException;

/**
 * Places an order as one TCC transaction with two branches: this service's {@link OrderBranch} (the order,
 * {@code PENDING} until phase two) and the inventory's reservation, reached over the load-balanced client.
 * Returning confirms both, throwing cancels both; the decision is durable before this method returns, and
 * whatever phase two cannot finish at once recovery retries.
 */
@Service
public class OrderPlacement {

	private final OrderRepository orders;

	private final OrderBranch branch;

	private final InventoryClient inventory;

	OrderPlacement(OrderRepository orders, OrderBranch branch, InventoryClient inventory) {
		this.orders = orders;
		this.branch = branch;
		this.inventory = inventory;
	}

	/**
	 * @param pending the validated order
	 * @return the order as decided: {@code CONFIRMED}
	 * @throws OrderRefusedException when the inventory refused the reservation; the order is cancelled with the
	 * reason
	 * @throws InventoryUnavailableException when no inventory instance answered; the order is cancelled
	 */
	@TccTransaction(name = "place-order", timeout = "30s")
	public Order place(Order pending) {
		this.branch.record(pending.orderId(), pending.userId(), pending.sku(), pending.quantity());
		try {
			this.inventory.reserve(Long.toString(pending.orderId()), pending.sku(), pending.quantity());
		}
		catch (OrderRefusedException ex) {
			this.orders.noteReason(pending.orderId(), ex.reason());
			throw ex;
		}
		catch (InventoryUnavailableException ex) {
			this.orders.noteReason(pending.orderId(), "inventory unavailable");
			throw ex;
		}
		catch (ErrorResponseException ex) {
			this.orders.noteReason(pending.orderId(), "inventory failed: " + ex.getBody().getDetail());
			throw ex;
		}
		return new Order(pending.orderId(), pending.userId(), pending.sku(), pending.quantity(), Order.Status.CONFIRMED,
				null);
	}

}
