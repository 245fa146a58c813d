package io.distcore.sample.order;

import java.net.URI;
import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * No inventory instance gave a usable answer: none answered, or the reply was lost and the retry found the
 * reservation already made. The order is cancelled; the client gets a 503 problem and may place it again.
 */
class InventoryUnavailableException extends ErrorResponseException {

	InventoryUnavailableException(List<URI> instances, Throwable cause) {
		this("No inventory instance answered: " + instances, cause);
	}

	InventoryUnavailableException(String detail, Throwable cause) {
		super(HttpStatus.SERVICE_UNAVAILABLE, problem(detail), cause);
	}

	private static ProblemDetail problem(String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE, detail);
		problem.setTitle("Inventory unavailable");
		return problem;
	}

}
