package io.distcore.support;

import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.util.MimeType;

/**
 * RFC 9457 problem details as web endpoint responses: Boot's endpoint infrastructure writes the body with the
 * application's JSON mapper and the {@code application/problem+json} content type given here.
 */
public final class ActuatorProblems {

	/** Content type of every problem response. */
	public static final MimeType PROBLEM_JSON = MimeType.valueOf("application/problem+json");

	private ActuatorProblems() {
	}

	/**
	 * A 400 for an input the endpoint cannot use.
	 * @param detail what was wrong and what is accepted, without echoing more of the input than needed
	 * @return the response
	 */
	public static WebEndpointResponse<Object> badRequest(String detail) {
		return problem(WebEndpointResponse.STATUS_BAD_REQUEST, "Bad Request", detail);
	}

	/**
	 * A 404 for something the endpoint does not know.
	 * @param detail what was not found
	 * @return the response
	 */
	public static WebEndpointResponse<Object> notFound(String detail) {
		return problem(WebEndpointResponse.STATUS_NOT_FOUND, "Not Found", detail);
	}

	/**
	 * A 409 for an operation the current state does not allow.
	 * @param detail what the state is and what it must be
	 * @return the response
	 */
	public static WebEndpointResponse<Object> conflict(String detail) {
		return problem(409, "Conflict", detail);
	}

	private static WebEndpointResponse<Object> problem(int status, String title, String detail) {
		Map<String, Object> body = new LinkedHashMap<>();
		body.put("type", "about:blank");
		body.put("title", title);
		body.put("status", status);
		body.put("detail", detail);
		return new WebEndpointResponse<>(body, status, PROBLEM_JSON);
	}

}
