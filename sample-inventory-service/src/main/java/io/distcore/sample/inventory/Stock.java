package io.distcore.sample.inventory;

/**
 * Stock of one SKU.
 *
 * @param sku stock keeping unit
 * @param available units that can still be ordered
 * @param frozen units reserved by orders that are not settled yet
 * @param sold units of settled orders
 */
public record Stock(String sku, int available, int frozen, int sold) {
}
