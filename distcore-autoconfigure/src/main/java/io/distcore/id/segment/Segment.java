package io.distcore.id.segment;

/**
 * A range of ids reserved for one process, both ends included.
 *
 * @param first lowest id of the range, at least 1
 * @param last highest id of the range, at least {@code first}
 */
public record Segment(long first, long last) {

	public Segment {
		if (first < 1 || last < first) {
			throw new IllegalArgumentException("A segment needs 1 <= first <= last, was [" + first + ", " + last + "]");
		}
	}

	/**
	 * The segment a counter reserved by being raised by {@code step} to {@code maxId}: {@code [maxId - step + 1,
	 * maxId]}.
	 * @param maxId value of the counter after the increment
	 * @param step size of the increment, at least 1
	 * @return the segment
	 */
	public static Segment endingAt(long maxId, long step) {
		if (step < 1) {
			throw new IllegalArgumentException("Step must be at least 1, was " + step);
		}
		return new Segment(maxId - step + 1, maxId);
	}

	/**
	 * Number of ids in the segment.
	 * @return the size
	 */
	public long size() {
		return this.last - this.first + 1;
	}

}
