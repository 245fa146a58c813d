package io.distcore.sample.inventory;

import io.distcore.lock.DistributedLock;

import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Stock changes. Every change of one SKU runs under that SKU's distributed lock, so that instances sharing the
 * database never overwrite each other's read-modify-write; the lock is taken outside the transaction and
 * released after its commit.
 */
@Service
public class InventoryService {

	private final InventoryRepository repository;

	InventoryService(InventoryRepository repository) {
		this.repository = repository;
	}

	/**
	 * Adds units: reads the row, computes the new count, writes it back.
	 */
	@DistributedLock(prefix = "inventory", key = "#sku")
	@Transactional
	public Stock restock(String sku, int quantity) {
		Stock stock = this.repository.find(sku).orElse(null);
		if (stock == null) {
			return this.repository.insert(new Stock(sku, quantity, 0, 0));
		}
		return this.repository.update(new Stock(sku, stock.available() + quantity, stock.frozen(), stock.sold()));
	}

	/**
	 * Deducts stock for an order at most once.
	 * @return whether the stock now reflects the order (false: not enough stock, nothing changed)
	 */
	@DistributedLock(prefix = "inventory", key = "#sku")
	@Transactional
	public boolean deduct(String orderId, String sku, int quantity) {
		return this.repository.deduct(orderId, sku, quantity);
	}

}
