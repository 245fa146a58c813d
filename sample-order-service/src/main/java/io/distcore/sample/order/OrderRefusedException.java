package io.distcore.sample.order;

/**
 * The inventory refused the order's reservation (not enough stock, unknown SKU): thrown out of the placement's
 * TCC transaction so that every branch is cancelled, and answered 409 with the cancelled order.
 */
class OrderRefusedException extends RuntimeException {

	private final String reason;

	OrderRefusedException(String reason) {
		super(reason);
		this.reason = reason;
	}

	String reason() {
		return this.reason;
	}

}
