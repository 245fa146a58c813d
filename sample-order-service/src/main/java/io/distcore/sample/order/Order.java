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
 * @param status {@link Status#CONFIRMED} or {@link Status#CANCELLED}
 * @param reason why it was cancelled; absent for confirmed orders
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Order(@IdAsString long orderId, String userId, String sku, int quantity, Status status, String reason) {

	/**
	 * Where an order ended.
	 */
	public enum Status {

		/** Stock was deducted. */
		CONFIRMED,

		/** Stock was not deducted; the reason says why. */
		CANCELLED

	}

}
