package io.distcore.tcc.web;

import io.distcore.tcc.TccDuplicateTryException;
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
 * Answers the barrier's two ways of not running a try in Spring MVC, as problem+json naming the branch: 409 for a
 * try refused because its branch was cancelled first ({@link TccTryRefusedException}), 410 for a repeated try of
 * a branch whose try already ran ({@link TccDuplicateTryException}; the initiator must take it as a failed try).
 * Ordered ahead of the application's own advice of default order, so that a catch-all
 * {@code @ExceptionHandler(Exception.class)} does not turn them into a 500; an application that wants another
 * answer declares its own handler with a higher precedence.
 */
@RestControllerAdvice
@Order(Ordered.HIGHEST_PRECEDENCE + 100)
public final class TccTryRefusedHandler {

	static final String REFUSED_TITLE = "TCC try refused";

	static final String DUPLICATE_TITLE = "TCC try already ran";

	@ExceptionHandler(TccTryRefusedException.class)
	ResponseEntity<ProblemDetail> refused(TccTryRefusedException ex) {
		return problem(HttpStatus.CONFLICT, REFUSED_TITLE, ex.getMessage(), ex.getXid(), ex.getBranchId());
	}

	@ExceptionHandler(TccDuplicateTryException.class)
	ResponseEntity<ProblemDetail> duplicate(TccDuplicateTryException ex) {
		return problem(HttpStatus.GONE, DUPLICATE_TITLE, ex.getMessage(), ex.getXid(), ex.getBranchId());
	}

	private static ResponseEntity<ProblemDetail> problem(HttpStatus status, String title, String detail, String xid,
			String branchId) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setTitle(title);
		problem.setProperty("xid", xid);
		problem.setProperty("branch", branchId);
		return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
	}

}
