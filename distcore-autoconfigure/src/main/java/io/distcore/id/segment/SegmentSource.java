package io.distcore.id.segment;

/**
 * Where segments come from: a shared counter per tag that only ever grows, so that no two reservations, by
 * this process or any other, overlap.
 */
@FunctionalInterface
public interface SegmentSource {

	/**
	 * Reserves the next {@code step} ids of a tag with one atomic increment of its counter, creating the counter
	 * (at 0) on first use. The reservation is final once this returns: ids of a segment the caller never uses
	 * are skipped, not handed out again. Called for one tag by one thread at a time per generator, but
	 * concurrently by other generators and processes.
	 * @param tag sequence name, not empty
	 * @param step ids to reserve, at least 1
	 * @return the reserved segment, {@code [counter - step + 1, counter]} for the new counter value
	 * @throws io.distcore.id.SegmentUnavailableException if the backend cannot be reached; must be thrown in
	 * bounded time (the client's connect and command timeouts), never by hanging
	 */
	Segment next(String tag, long step);

}
