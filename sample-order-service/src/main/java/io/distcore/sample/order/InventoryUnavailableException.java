package io.distcore.sample.order;

import java.net.URI;
import java.util.List;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;

/**
 * No inventory instance answered; the client gets a 503 problem and may retry the same request.
 */
class InventoryUnavailableException extends ErrorResponseException {

	InventoryUnavailableException(List<URI> instances, Throwable cause) {
		super(HttpStatus.SERVICE_UNAVAILABLE, problem(instances), cause);
	}

	private static ProblemDetail problem(List<URI> instances) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
				"No inventory instance answered: " + instances);
		problem.setTitle("Inventory unavailable");
		return problem;
	}

}
