package io.distcore.sample.inventory;

/**
 * Stock of one SKU. Reservations move units between the buckets; only restocks change their sum, which never
 * exceeds {@link #MAX_TOTAL}.
 *
 * @param sku stock keeping unit
 * @param available units that can still be ordered
 * @param frozen units reserved by orders that are not settled yet
 * @param sold units of settled orders
 */
public record Stock(String sku, int available, int frozen, int sold) {

	/**
	 * Largest number of units one SKU may hold over its three buckets: each bucket is an INT column.
	 */
	public static final int MAX_TOTAL = Integer.MAX_VALUE;

	/**
	 * Stock keeping units: a letter or digit, then letters, digits, {@code .}, {@code _} or {@code -}; at most
	 * 64 characters (the column's width).
	 */
	public static final String SKU_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";

	long total() {
		return (long) this.available + this.frozen + this.sold;
	}

}
