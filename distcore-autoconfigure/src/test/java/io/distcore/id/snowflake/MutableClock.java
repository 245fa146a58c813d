package io.distcore.id.snowflake;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A wall clock a test moves by hand; with {@code autoAdvance} it also moves one millisecond every few reads,
 * so code that waits for the clock makes progress.
 */
final class MutableClock extends Clock {

	private final AtomicLong millis;

	private final AtomicLong reads = new AtomicLong();

	private final int readsPerMillisecond;

	MutableClock(Instant start, int readsPerMillisecond) {
		this.millis = new AtomicLong(start.toEpochMilli());
		this.readsPerMillisecond = readsPerMillisecond;
	}

	void set(long epochMillis) {
		this.millis.set(epochMillis);
	}

	void add(long deltaMillis) {
		this.millis.addAndGet(deltaMillis);
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
