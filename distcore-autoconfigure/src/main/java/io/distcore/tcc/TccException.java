package io.distcore.tcc;

/**
 * Base class of every exception distcore's TCC transactions raise.
 */
public class TccException extends RuntimeException {

	public TccException(String message) {
		super(message);
	}

	public TccException(String message, Throwable cause) {
		super(message, cause);
	}

}
