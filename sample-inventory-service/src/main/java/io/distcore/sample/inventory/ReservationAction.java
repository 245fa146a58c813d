package io.distcore.sample.inventory;

import io.distcore.tcc.TccAction;
import io.distcore.tcc.TccContext;

import org.springframework.stereotype.Component;

/**
 * The inventory's TCC branch of an order: the try freezes the order's units, confirm sells them, cancel
 * releases them. distcore's barrier makes each phase run at most once per branch and refuses a try that
 * arrives after its cancel, so the stock methods need no bookkeeping of their own; confirm and cancel read the
 * try's arguments from the context.
 */
@Component
public class ReservationAction {

	private final InventoryService inventory;

	ReservationAction(InventoryService inventory) {
		this.inventory = inventory;
	}

	/**
	 * Freezes {@code quantity} units of {@code sku} for an order.
	 * @param orderId the order, for the barrier's record and the logs
	 * @return the stock after the change
	 * @throws StockProblems.InsufficientStock when fewer units are available (409; the transaction is then
	 * cancelled, and its cancel finds no try to undo)
	 */
	@TccAction(name = "inventory-reserve", confirmMethod = "confirm", cancelMethod = "cancel")
	public Stock reserve(String orderId, String sku, int quantity) {
		return this.inventory.tryReserve(sku, quantity);
	}

	/**
	 * Sells the units the try froze.
	 */
	public void confirm(TccContext context) {
		this.inventory.confirmReserve(context.argument("sku", String.class), context.argument("quantity", Integer.class));
	}

	/**
	 * Releases the units the try froze.
	 */
	public void cancel(TccContext context) {
		this.inventory.cancelReserve(context.argument("sku", String.class), context.argument("quantity", Integer.class));
	}

}
