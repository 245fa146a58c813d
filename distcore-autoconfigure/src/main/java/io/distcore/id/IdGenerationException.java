package io.distcore.id;

/**
 * No id could be issued without risking a duplicate. Nothing was issued; the caller may retry later.
 */
public class IdGenerationException extends RuntimeException {

	public IdGenerationException(String message) {
		super(message);
	}

	public IdGenerationException(String message, Throwable cause) {
		super(message, cause);
	}

}
