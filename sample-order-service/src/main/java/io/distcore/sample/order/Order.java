package io.distcore.sample.order;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.distcore.id.IdAsString;

/**
 * An order as clients see it.
 *
 * @param orderId id from distcore's {@code IdGenerator}, written as a JSON string so that JavaScript clients keep
 * every digit
 * @param userId who placed it
 * @param sku what was ordered
 * @param quantity how many units
 * @param status where it is
 * @param reason why it was cancelled; absent otherwise
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Order(@IdAsString long orderId, String userId, String sku, int quantity, Status status, String reason) {

	/**
	 * Stock keeping units as the inventory accepts them: a letter or digit, then letters, digits, {@code .},
	 * {@code _} or {@code -}; at most 64 characters.
	 */
	public static final String SKU_PATTERN = "[A-Za-z0-9][A-Za-z0-9._-]{0,63}";

	/**
	 * Largest quantity of one order.
	 */
	public static final int MAX_QUANTITY = 1_000_000;

	/**
	 * Where an order is. {@code PENDING} moves to exactly one of the two others, once.
	 */
	public enum Status {

		/** Recorded; its stock is being settled with the inventory. */
		PENDING,

		/** Its reserved stock is sold. */
		CONFIRMED,

		/** Its stock was released or never reserved; the reason says why. */
		CANCELLED

	}

}
