package io.distcore.lock;

/**
 * The lock backend could not be reached or did not answer in time. Nothing new is held; the guarded code
 * did not run.
 */
public class LockBackendUnavailableException extends LockException {

	public LockBackendUnavailableException(String message, Throwable cause) {
		super(message, cause);
	}

	public LockBackendUnavailableException(String message) {
		super(message);
	}

}
