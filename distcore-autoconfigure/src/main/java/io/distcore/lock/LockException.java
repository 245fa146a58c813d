package io.distcore.lock;

/**
 * Base class of every exception distcore's locks raise.
 */
public class LockException extends RuntimeException {

	public LockException(String message) {
		super(message);
	}

	public LockException(String message, Throwable cause) {
		super(message, cause);
	}

}
