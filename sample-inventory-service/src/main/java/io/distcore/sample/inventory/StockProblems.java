package io.distcore.sample.inventory;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * The refusals of stock changes, each answered as problem+json.
 */
final class StockProblems {

	private StockProblems() {
	}

	private static ProblemDetail problem(HttpStatus status, String title, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setTitle(title);
		return problem;
	}

	/**
	 * No stock row for the SKU.
	 */
	static final class UnknownSku extends ErrorResponseException {

		UnknownSku(String sku) {
			super(HttpStatus.NOT_FOUND, problem(HttpStatus.NOT_FOUND, "Unknown SKU", "Unknown SKU " + sku), null);
		}

	}

	/**
	 * Fewer units available than requested; nothing changed.
	 */
	static final class InsufficientStock extends ErrorResponseException {

		InsufficientStock(Stock stock, int requested) {
			super(HttpStatus.CONFLICT, problem(HttpStatus.CONFLICT, "Insufficient stock", "Insufficient stock for "
					+ stock.sku() + ": requested " + requested + ", available " + stock.available()), null);
		}

	}

	/**
	 * A restock would make the SKU hold more units than its columns can count; nothing changed.
	 */
	static final class StockLimitExceeded extends ErrorResponseException {

		StockLimitExceeded(Stock stock, int requested) {
			super(HttpStatus.CONFLICT, problem(HttpStatus.CONFLICT, "Stock limit exceeded",
					"Restocking " + requested + " units of " + stock.sku() + " would exceed the limit of "
							+ Stock.MAX_TOTAL + " units per SKU (it holds " + stock.total() + ")"),
					null);
		}

	}

}
