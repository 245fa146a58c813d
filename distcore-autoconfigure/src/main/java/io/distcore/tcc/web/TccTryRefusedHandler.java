package io.distcore.tcc.web;

import io.distcore.tcc.TccTryRefusedException;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Answers a try the barrier refused with 409 problem+json in Spring MVC. Ordered ahead of the application's own
 * advice of default order, so that a catch-all {@code @ExceptionHandler(Exception.class)} does not turn it into a
 * 500 (which the initiator would take for a failed try, not a refused one); an application that wants another
 * answer declares its own handler with a higher precedence.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE + 100)
public final class TccTryRefusedHandler {

	@ExceptionHandler(TccTryRefusedException.class)
	ResponseEntity<ProblemDetail> refused(TccTryRefusedException ex) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, ex.getMessage());
		problem.setTitle("TCC try refused");
		problem.setProperty("xid", ex.getXid());
		problem.setProperty("branch", ex.getBranchId());
		return ResponseEntity.status(HttpStatus.CONFLICT).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
	}

}
