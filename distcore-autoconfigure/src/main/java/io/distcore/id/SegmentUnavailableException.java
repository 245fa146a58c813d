package io.distcore.id;

/**
 * A segment generator has spent every id it had buffered for a tag and could not reach its backend for more.
 * Nothing was issued; the call may succeed once the backend answers again.
 */
public class SegmentUnavailableException extends IdGenerationException {

	public SegmentUnavailableException(String message) {
		super(message);
	}

	public SegmentUnavailableException(String message, Throwable cause) {
		super(message, cause);
	}

}
