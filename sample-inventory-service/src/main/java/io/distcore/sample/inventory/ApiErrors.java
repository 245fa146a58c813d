package io.distcore.sample.inventory;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import tools.jackson.core.JacksonException;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.FieldError;
import org.springframework.validation.method.ParameterErrors;
import org.springframework.validation.method.ParameterValidationResult;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Turns every error into problem+json, and names the offending field in a 400.
 */
@RestControllerAdvice
class ApiErrors extends ResponseEntityExceptionHandler {

	@Override
	protected ResponseEntity<Object> handleMethodArgumentNotValid(MethodArgumentNotValidException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		List<Invalid> invalid = ex.getFieldErrors()
			.stream()
			.map((error) -> new Invalid(error.getField(), error.getDefaultMessage()))
			.toList();
		return handleExceptionInternal(ex, invalidRequest(invalid), headers, HttpStatus.BAD_REQUEST, request);
	}

	/**
	 * Constraints on path variables and request parameters (the SKU in the path, for example), and on bodies
	 * validated together with them.
	 */
	@Override
	protected ResponseEntity<Object> handleHandlerMethodValidationException(HandlerMethodValidationException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		List<Invalid> invalid = ex.getParameterValidationResults().stream().flatMap(this::invalid).toList();
		return handleExceptionInternal(ex, invalidRequest(invalid), headers, HttpStatus.BAD_REQUEST, request);
	}

	private Stream<Invalid> invalid(ParameterValidationResult result) {
		if (result instanceof ParameterErrors errors && errors.hasFieldErrors()) {
			return errors.getFieldErrors()
				.stream()
				.map((FieldError error) -> new Invalid(error.getField(), error.getDefaultMessage()));
		}
		String name = result.getMethodParameter().getParameterName();
		return result.getResolvableErrors().stream().map((error) -> new Invalid(name, error.getDefaultMessage()));
	}

	private static ProblemDetail invalidRequest(List<Invalid> invalid) {
		String fields = invalid.stream()
			.map((error) -> error.field() + ": " + error.message())
			.sorted()
			.collect(Collectors.joining("; "));
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, "Invalid request: " + fields);
		problem.setTitle("Invalid request");
		problem.setProperty("fields", invalid.stream().map(Invalid::field).distinct().sorted().toList());
		return problem;
	}

	private record Invalid(String field, String message) {
	}

	@Override
	protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex,
			HttpHeaders headers, HttpStatusCode status, WebRequest request) {
		String field = (ex.getCause() instanceof JacksonException jackson) ? jackson.getPath()
			.stream()
			.map(JacksonException.Reference::getPropertyName)
			.filter((name) -> name != null)
			.collect(Collectors.joining(".")) : "";
		String detail = field.isEmpty() ? "Request body is not valid JSON of the expected shape"
				: "Request body has an invalid value for field '" + field + "'";
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail);
		problem.setTitle("Unreadable request");
		return handleExceptionInternal(ex, problem, headers, HttpStatus.BAD_REQUEST, request);
	}

}
