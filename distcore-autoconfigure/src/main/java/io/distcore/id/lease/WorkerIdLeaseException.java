package io.distcore.id.lease;

import io.distcore.id.IdGenerationException;

/**
 * No worker id could be leased: the store did not answer, or every id of the layout is held by a live process.
 */
public class WorkerIdLeaseException extends IdGenerationException {

	public WorkerIdLeaseException(String message) {
		super(message);
	}

	public WorkerIdLeaseException(String message, Throwable cause) {
		super(message, cause);
	}

}
