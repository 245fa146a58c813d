package io.distcore.id.segment;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.id.SegmentUnavailableException;
import io.distcore.id.segment.jdbc.JdbcSegmentSource;
import io.distcore.test.MutableClock;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * The segment engine on an H2 segment table: batches, the default tag, dynamic stepping and closing.
 */
class SegmentIdGeneratorTests {

	private final HikariDataSource pool = TestServices.h2("segment-engine-" + UUID.randomUUID()).dataSource(3);

	private final JdbcSegmentSource source = new JdbcSegmentSource(this.pool, "distcore_id_segment",
			Duration.ofSeconds(5));

	private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));

	@AfterEach
	void closePool() {
		this.pool.close();
	}

	@Test
	void aBatchSpanningSegmentsIsIncreasingAndContinuesWhereItLeftOff() {
		this.source.createSchema();
		try (SegmentIdGenerator generator = new SegmentIdGenerator(this.source, SegmentSettings.fixed(100, 0.5),
				this.clock)) {
			assertThat(generator.nextIds("batch", 3)).containsExactly(1, 2, 3);
			long[] ids = generator.nextIds("batch", 250);
			assertThat(ids).hasSize(250);
			for (int i = 0; i < ids.length; i++) {
				assertThat(ids[i]).isEqualTo(4 + i);
			}
			assertThat(generator.nextId("batch")).isEqualTo(254);
			assertThatIllegalArgumentException().isThrownBy(() -> generator.nextIds("batch", 0));
			assertThatIllegalArgumentException().isThrownBy(() -> generator.nextId(""));
		}
	}

	@Test
	void nextIdWithoutTagUsesTheDefaultTagAndTagsAreIndependent() {
		this.source.createSchema();
		try (SegmentIdGenerator generator = new SegmentIdGenerator(this.source, SegmentSettings.fixed(10, 0.1),
				this.clock)) {
			assertThat(generator.nextId()).isEqualTo(1);
			assertThat(generator.nextId("other")).isEqualTo(1);
			assertThat(generator.nextId(SegmentIdGenerator.DEFAULT_TAG)).isEqualTo(2);
			assertThat(generator.bufferedIds("unused")).isZero();
		}
		assertThat(new JdbcTemplate(this.pool).queryForList("SELECT tag FROM distcore_id_segment ORDER BY tag",
				String.class)).containsExactly("default", "other");
	}

	@Test
	void dynamicStepDoublesForFastSegmentsUpToTheMaximumAndHalvesForSlowOnesDownToTheStep() throws Exception {
		this.source.createSchema();
		SegmentSettings settings = new SegmentSettings(100, 0.5, true, 400, Duration.ofMinutes(15),
				Duration.ofMinutes(30));
		try (SegmentIdGenerator generator = new SegmentIdGenerator(this.source, settings, this.clock)) {
			String tag = "dynamic";
			assertThat(generator.nextId(tag)).isEqualTo(1);
			// Each segment lasts 1 minute (fast): 100 -> 200 -> 400 -> 400 (max).
			long next = 2;
			next = prefetch(generator, tag, next, 51, Duration.ofMinutes(1), 49 + 200);
			next = prefetch(generator, tag, next, 201, Duration.ofMinutes(1), 99 + 400);
			next = prefetch(generator, tag, next, 501, Duration.ofMinutes(1), 199 + 400);
			// Between fast and slow the step stays.
			next = prefetch(generator, tag, next, 901, Duration.ofMinutes(20), 199 + 400);
			// Each lasts an hour (slow): 400 -> 200 -> 100 -> 100 (step).
			next = prefetch(generator, tag, next, 1301, Duration.ofHours(1), 199 + 200);
			next = prefetch(generator, tag, next, 1601, Duration.ofHours(1), 99 + 100);
			prefetch(generator, tag, next, 1751, Duration.ofHours(1), 49 + 100);
			assertThat(new JdbcTemplate(this.pool).queryForMap(
					"SELECT max_id, step FROM distcore_id_segment WHERE tag = ?", tag))
				.containsEntry("MAX_ID", 1900L)
				.containsEntry("STEP", 100L);
		}
	}

	/** Takes ids through the prefetch threshold after the clock moved, and waits for the next segment. */
	private long prefetch(SegmentIdGenerator generator, String tag, long next, long threshold, Duration lasted,
			long buffered) throws InterruptedException {
		this.clock.advance(lasted);
		SegmentIdAssertions.takeThrough(generator, tag, next, threshold);
		SegmentIdAssertions.await("a segment making " + buffered + " ids buffered is fetched",
				() -> generator.bufferedIds(tag) == buffered);
		return threshold + 1;
	}

	@Test
	void theNextSegmentIsAlwaysPrefetchedSoNoCallerFetchesOneItself() throws Exception {
		this.source.createSchema();
		AtomicInteger fetches = new AtomicInteger();
		AtomicInteger callerFetches = new AtomicInteger();
		// Every tenth fetch is slow, as a busy database is: callers then catch up with the prefetch and queue for
		// the switch. Waiting for a prefetch in flight is allowed; fetching instead of it is what must not happen.
		SegmentSource sometimesSlow = (tag, step) -> {
			if (fetches.incrementAndGet() % 10 == 0) {
				sleep(2);
			}
			if (!Thread.currentThread().getName().startsWith("distcore-segment-prefetch-")) {
				callerFetches.incrementAndGet();
			}
			return this.source.next(tag, step);
		};
		try (SegmentIdGenerator generator = new SegmentIdGenerator(sometimesSlow, SegmentSettings.fixed(20, 0.1),
				this.clock)) {
			SegmentIdAssertions.assertUniqueAndIncreasingPerThread(List.of(generator), "switches", 4, 50_000);
		}
		assertThat(fetches.get()).isGreaterThanOrEqualTo(10_000);
		assertThat(callerFetches.get()).as("segments fetched by callers, of " + fetches.get() + " (the first one must be)")
			.isOne();
	}

	private static void sleep(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	@Test
	void afterCloseBufferedIdsAreSpentThenCallsFail() {
		this.source.createSchema();
		SegmentIdGenerator generator = new SegmentIdGenerator(this.source, SegmentSettings.fixed(10, 1), this.clock);
		assertThat(generator.nextId("closing")).isEqualTo(1);
		generator.close();
		SegmentIdAssertions.takeThrough(generator, "closing", 2, 10);
		assertThatExceptionOfType(SegmentUnavailableException.class).isThrownBy(() -> generator.nextId("closing"))
			.withMessageContaining("closed");
	}

	@Test
	void settingsAreValidated() {
		assertThatIllegalArgumentException().isThrownBy(() -> SegmentSettings.fixed(0, 0.1));
		assertThatIllegalArgumentException().isThrownBy(() -> SegmentSettings.fixed(10, 1.5));
		assertThatIllegalArgumentException().isThrownBy(() -> SegmentSettings.fixed(10, Double.NaN));
		assertThatIllegalArgumentException().isThrownBy(
				() -> new SegmentSettings(10, 0.1, true, 5, Duration.ofMinutes(15), Duration.ofMinutes(30)));
		assertThatIllegalArgumentException().isThrownBy(
				() -> new SegmentSettings(10, 0.1, true, 50, Duration.ofMinutes(30), Duration.ofMinutes(15)));
		assertThat(Segment.endingAt(1000, 100)).isEqualTo(new Segment(901, 1000));
		assertThatIllegalArgumentException().isThrownBy(() -> Segment.endingAt(50, 100));
	}

}
