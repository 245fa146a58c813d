package io.distcore.sample.inventory;

import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Stock rows and the record of which orders were already deducted.
 */
@Repository
class InventoryRepository {

	private final JdbcClient jdbc;

	InventoryRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	Optional<Stock> find(String sku) {
		return this.jdbc.sql("SELECT sku, available, frozen, sold FROM inventory WHERE sku = ?")
			.param(sku)
			.query(Stock.class)
			.optional();
	}

	Stock insert(Stock stock) {
		this.jdbc.sql("INSERT INTO inventory (sku, available, frozen, sold) VALUES (?, ?, ?, ?)")
			.params(stock.sku(), stock.available(), stock.frozen(), stock.sold())
			.update();
		return stock;
	}

	Stock update(Stock stock) {
		this.jdbc.sql("UPDATE inventory SET available = ?, frozen = ?, sold = ? WHERE sku = ?")
			.params(stock.available(), stock.frozen(), stock.sold(), stock.sku())
			.update();
		return stock;
	}

	/**
	 * Deducts stock for an order at most once: a repeated call for the same order changes nothing. Callers
	 * serialize calls per SKU (the check and the writes are separate statements).
	 * @return whether the stock now reflects the order (false: not enough stock, nothing changed)
	 */
	boolean deduct(String orderId, String sku, int quantity) {
		boolean alreadyDeducted = this.jdbc.sql("SELECT COUNT(*) FROM inventory_deduction WHERE order_id = ?")
			.param(orderId)
			.query(Integer.class)
			.single() > 0;
		if (alreadyDeducted) {
			return true;
		}
		int updated = this.jdbc
			.sql("UPDATE inventory SET available = available - ?, sold = sold + ? WHERE sku = ? AND available >= ?")
			.params(quantity, quantity, sku, quantity)
			.update();
		if (updated == 0) {
			return false;
		}
		this.jdbc.sql("INSERT INTO inventory_deduction (order_id, sku, quantity) VALUES (?, ?, ?)")
			.params(orderId, sku, quantity)
			.update();
		return true;
	}

}
