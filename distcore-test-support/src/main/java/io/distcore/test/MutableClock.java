package io.distcore.test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A wall clock a test moves by hand; with {@code autoAdvance} it also moves one millisecond every few reads,
 * so code that waits for the clock makes progress.
 */
public final class MutableClock extends Clock {

	private final AtomicLong millis;

	private final AtomicLong reads = new AtomicLong();

	private final int readsPerMillisecond;

	/**
	 * Creates a clock.
	 * @param start the first time it shows
	 * @param readsPerMillisecond after how many reads it moves on by itself by one millisecond; 0 never
	 */
	public MutableClock(Instant start, int readsPerMillisecond) {
		this.millis = new AtomicLong(start.toEpochMilli());
		this.readsPerMillisecond = readsPerMillisecond;
	}

	/**
	 * A clock that only moves when told to.
	 * @param start the first time it shows
	 */
	public MutableClock(Instant start) {
		this(start, 0);
	}

	/**
	 * Moves the clock, backwards for a negative delta.
	 * @param deltaMillis milliseconds to add
	 */
	public void add(long deltaMillis) {
		this.millis.addAndGet(deltaMillis);
	}

	/**
	 * Moves the clock forward.
	 * @param duration how far
	 */
	public void advance(Duration duration) {
		add(duration.toMillis());
	}

	@Override
	public long millis() {
		if (this.readsPerMillisecond > 0 && this.reads.incrementAndGet() % this.readsPerMillisecond == 0) {
			return this.millis.incrementAndGet();
		}
		return this.millis.get();
	}

	@Override
	public Instant instant() {
		return Instant.ofEpochMilli(millis());
	}

	@Override
	public ZoneId getZone() {
		return ZoneOffset.UTC;
	}

	@Override
	public Clock withZone(ZoneId zone) {
		throw new UnsupportedOperationException();
	}

}
