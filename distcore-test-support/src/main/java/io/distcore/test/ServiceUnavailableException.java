package io.distcore.test;

/**
 * Thrown when a test needs a service that is neither running locally nor startable through Docker. The
 * message says what to start.
 */
public class ServiceUnavailableException extends RuntimeException {

	public ServiceUnavailableException(String message) {
		super(message);
	}

	public ServiceUnavailableException(String message, Throwable cause) {
		super(message, cause);
	}

}
