package io.distcore.sample.inventory;

import java.util.Optional;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * Stock rows. Every change is one conditional UPDATE
 * relative to the row's current values, so changes of one SKU commute and none can be lost to another's stale
 * read; the condition refuses a change that would make a bucket negative or the total overflow.
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

	void insert(Stock stock) {
		this.jdbc.sql("INSERT INTO inventory (sku, available, frozen, sold) VALUES (?, ?, ?, ?)")
			.params(stock.sku(), stock.available(), stock.frozen(), stock.sold())
			.update();
	}

	/**
	 * Adds available units unless the SKU's total would exceed {@link Stock#MAX_TOTAL}. The total of a row is at
	 * most {@code MAX_TOTAL}, so the sum in the condition cannot overflow the database's INT either.
	 * @return whether the units were added
	 */
	boolean addAvailable(String sku, int quantity) {
		return this.jdbc
			.sql("UPDATE inventory SET available = available + ? WHERE sku = ? AND available + frozen + sold <= ?")
			.params(quantity, sku, Stock.MAX_TOTAL - quantity)
			.update() == 1;
	}

	/**
	 * Moves units from one bucket to another when the source holds enough.
	 * @return whether they were moved
	 */
	boolean move(String sku, Bucket from, Bucket to, int quantity) {
		// Column names come from the enum, never from input.
		String sql = "UPDATE inventory SET " + from.column + " = " + from.column + " - ?, " + to.column + " = "
				+ to.column + " + ? WHERE sku = ? AND " + from.column + " >= ?";
		return this.jdbc.sql(sql).params(quantity, quantity, sku, quantity).update() == 1;
	}

	/**
	 * The columns of a stock row.
	 */
	enum Bucket {

		AVAILABLE("available"), FROZEN("frozen"), SOLD("sold");

		private final String column;

		Bucket(String column) {
			this.column = column;
		}

	}

}
