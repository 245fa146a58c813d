package io.distcore.sample.inventory;

import io.distcore.lock.DistributedLock;
import io.distcore.sample.inventory.InventoryRepository.Bucket;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Stock changes. Restocks of one SKU run under that SKU's distributed lock, taken outside the transaction and
 * released after its commit, so that instances sharing the database serialize their check of the stock limit.
 * The reservation methods are single conditional UPDATEs that need no lock: they move units between buckets and
 * never change the total a restock checks.
 * <p>
 * The reservation is the shape of a TCC branch: {@link #tryReserve} freezes units, {@link #confirmReserve}
 * sells them, {@link #cancelReserve} releases them. Each runs in the caller's transaction when there is one, so
 * a TCC participant's barrier row commits or rolls back together with the stock change.
 */
@Service
public class InventoryService {

	private final InventoryRepository repository;

	private final DemoFaults faults;

	InventoryService(InventoryRepository repository, DemoFaults faults) {
		this.repository = repository;
		this.faults = faults;
	}

	/**
	 * Adds available units; creates the SKU when it is unknown.
	 * @throws StockProblems.StockLimitExceeded when the SKU would hold more than {@link Stock#MAX_TOTAL}
	 * units; nothing changed
	 */
	@DistributedLock(prefix = "inventory", key = "#sku")
	@Transactional
	public Stock restock(String sku, int quantity) {
		requirePositive(quantity);
		Stock stock = this.repository.find(sku).orElse(null);
		if (stock == null) {
			this.repository.insert(new Stock(sku, quantity, 0, 0));
		}
		else if (stock.total() + quantity > Stock.MAX_TOTAL || !this.repository.addAvailable(sku, quantity)) {
			throw new StockProblems.StockLimitExceeded(stock, quantity);
		}
		return current(sku);
	}

	/**
	 * Freezes units for an order: available → frozen. Fails once per armed try {@link DemoFaults fault}, after
	 * the change, which the transaction then rolls back.
	 * @return the stock after the change
	 * @throws StockProblems.UnknownSku when there is no such SKU
	 * @throws StockProblems.InsufficientStock when fewer units are available; nothing changed
	 */
	@Transactional
	public Stock tryReserve(String sku, int quantity) {
		requirePositive(quantity);
		if (!this.repository.move(sku, Bucket.AVAILABLE, Bucket.FROZEN, quantity)) {
			throw new StockProblems.InsufficientStock(current(sku), quantity);
		}
		this.faults.failIfArmed(DemoFaults.Kind.TRY_FAILURES, sku);
		return current(sku);
	}

	/**
	 * Sells units {@link #tryReserve} froze: frozen → sold. Fails once per armed confirm {@link DemoFaults fault},
	 * before touching the stock.
	 * @throws IllegalStateException when fewer units are frozen: the reservation was never made, or was already
	 * confirmed or cancelled (the TCC barrier prevents both)
	 */
	@Transactional
	public Stock confirmReserve(String sku, int quantity) {
		this.faults.failIfArmed(DemoFaults.Kind.CONFIRM_FAILURES, sku);
		settle(sku, Bucket.SOLD, quantity);
		return current(sku);
	}

	/**
	 * Releases units {@link #tryReserve} froze: frozen → available. Fails once per armed cancel
	 * {@link DemoFaults fault}, before touching the stock.
	 * @throws IllegalStateException when fewer units are frozen (see {@link #confirmReserve})
	 */
	@Transactional
	public Stock cancelReserve(String sku, int quantity) {
		this.faults.failIfArmed(DemoFaults.Kind.CANCEL_FAILURES, sku);
		settle(sku, Bucket.AVAILABLE, quantity);
		return current(sku);
	}

	private void settle(String sku, Bucket to, int quantity) {
		requirePositive(quantity);
		if (!this.repository.move(sku, Bucket.FROZEN, to, quantity)) {
			throw new IllegalStateException("Cannot move " + quantity + " frozen units of " + sku + " to " + to
					+ ": only " + this.repository.find(sku).map(Stock::frozen).orElse(0) + " are frozen");
		}
	}

	// A negative quantity would move units backwards between buckets; the controller refuses it, this guards
	// every other caller.
	private static void requirePositive(int quantity) {
		if (quantity <= 0) {
			throw new IllegalArgumentException("quantity must be positive, got " + quantity);
		}
	}

	private Stock current(String sku) {
		return this.repository.find(sku).orElseThrow(() -> new StockProblems.UnknownSku(sku));
	}

}
