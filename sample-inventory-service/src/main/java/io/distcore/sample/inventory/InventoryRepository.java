package io.distcore.sample.inventory;

import java.util.Optional;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/**
 * Stock rows and the record of which orders were already deducted.
 */
@Repository
public class InventoryRepository {

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

	/**
	 * Adds units in one statement so that concurrent restocks never overwrite each other.
	 */
	@Transactional
	public Stock restock(String sku, int quantity) {
		int updated = this.jdbc.sql("UPDATE inventory SET available = available + ? WHERE sku = ?")
			.params(quantity, sku)
			.update();
		if (updated == 0) {
			try {
				this.jdbc.sql("INSERT INTO inventory (sku, available, frozen, sold) VALUES (?, ?, 0, 0)")
					.params(sku, quantity)
					.update();
			}
			catch (DuplicateKeyException raced) {
				this.jdbc.sql("UPDATE inventory SET available = available + ? WHERE sku = ?").params(quantity, sku).update();
			}
		}
		return find(sku).orElseThrow();
	}

	/**
	 * Deducts stock for an order at most once: a repeated call for the same order changes nothing.
	 * @return whether the stock now reflects the order (false: not enough stock, nothing changed)
	 */
	@Transactional
	public boolean deduct(String orderId, String sku, int quantity) {
		try {
			this.jdbc.sql("INSERT INTO inventory_deduction (order_id, sku, quantity) VALUES (?, ?, ?)")
				.params(orderId, sku, quantity)
				.update();
		}
		catch (DuplicateKeyException alreadyDeducted) {
			return true;
		}
		int updated = this.jdbc
			.sql("UPDATE inventory SET available = available - ?, sold = sold + ? WHERE sku = ? AND available >= ?")
			.params(quantity, quantity, sku, quantity)
			.update();
		if (updated == 0) {
			this.jdbc.sql("DELETE FROM inventory_deduction WHERE order_id = ?").param(orderId).update();
			return false;
		}
		return true;
	}

}
