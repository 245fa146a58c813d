package io.distcore.id;

import java.time.Duration;

/**
 * The clock went back further than the generator may wait out; issuing an id now could repeat one.
 */
public class ClockMovedBackwardsException extends IdGenerationException {

	private final Duration offset;

	public ClockMovedBackwardsException(Duration offset, Duration maxBackward) {
		super("Clock moved backwards by " + offset.toMillis() + " ms, more than the " + maxBackward.toMillis()
				+ " ms that are waited out (distcore.id.snowflake.max-backward); refusing to issue ids until it catches up");
		this.offset = offset;
	}

	/**
	 * How far the clock went back.
	 * @return the offset
	 */
	public Duration getOffset() {
		return this.offset;
	}

}
