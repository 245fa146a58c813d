package io.distcore.lock.web;

import io.distcore.lock.LockAcquisitionException;
import io.distcore.lock.LockBackendUnavailableException;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.bind.annotation.ExceptionHandler;

/**
 * The answers themselves, as {@code @ExceptionHandler} methods so that Spring MVC negotiates and writes them
 * like any other {@link ProblemDetail}.
 */
final class LockProblemDetails {

	@ExceptionHandler(LockAcquisitionException.class)
	ProblemDetail notAcquired(LockAcquisitionException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT,
				"Lock '" + ex.getLockName() + "' is held by someone else; try again later");
		problem.setTitle("Lock not acquired");
		problem.setProperty("lock", ex.getLockName());
		return problem;
	}

	/** The exception's message names hosts and driver errors: for the log, not for a client. */
	@ExceptionHandler(LockBackendUnavailableException.class)
	ProblemDetail backendUnavailable(LockBackendUnavailableException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.SERVICE_UNAVAILABLE,
				"The lock service is unavailable; try again later");
		problem.setTitle("Lock backend unavailable");
		return problem;
	}

}
