package io.distcore.id.snowflake;

import java.time.Duration;
import java.time.Instant;

import io.distcore.test.MutableClock;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

class SnowflakeLayoutTests {

	@Test
	void defaultLayoutIsTwitters() {
		SnowflakeLayout layout = SnowflakeLayout.DEFAULT;
		assertThat(layout.maxSequence()).isEqualTo(4095);
		assertThat(layout.workerCount()).isEqualTo(1024);
		assertThat(layout.runsOutAt()).isEqualTo(Instant.parse("2089-09-06T15:47:35.551Z"));
	}

	@Test
	void seedPresetIsTheNotesLayoutWithItsSpareHighBitZero() {
		SnowflakeLayout layout = SnowflakeLayout.SEED;
		assertThat(layout.timestampBits()).isEqualTo(40);
		assertThat(layout.datacenterBits()).isEqualTo(5);
		assertThat(layout.workerBits()).isEqualTo(5);
		assertThat(layout.sequenceBits()).isEqualTo(12);
		assertThat(layout.workerCount()).isEqualTo(1024);
		assertThat(layout.runsOutAt()).isEqualTo(Instant.parse("2054-11-03T19:53:47.775Z"));
		MutableClock clock = new MutableClock(Instant.parse("2026-11-27T08:15:30.123Z"));
		SnowflakeIdGenerator generator = new SnowflakeIdGenerator(layout, WorkerIdLease.fixed(21, 9), clock,
				Duration.ZERO, false);
		long first = generator.nextId();
		long second = generator.nextId();
		assertThat(NoteDecoder.decode(first)).containsExactly(0, clock.millis() - layout.epoch().toEpochMilli(), 21, 9, 0);
		assertThat(NoteDecoder.decode(second)).containsExactly(0, clock.millis() - layout.epoch().toEpochMilli(), 21, 9, 1);
		long last = layout.compose(layout.maxTimestamp(), layout.maxDatacenterId(), layout.maxWorkerId(),
				layout.maxSequence());
		assertThat(NoteDecoder.decode(last)).containsExactly(0, (1L << 40) - 1, 31, 31, 4095);
		assertThat(layout.decode(last).timestamp()).isEqualTo(layout.runsOutAt());
	}

	@Test
	void anEpochInTheFutureIsRefusedNamingIt() {
		Instant future = Instant.now().plus(Duration.ofDays(1));
		assertThatIllegalArgumentException().isThrownBy(() -> new SnowflakeLayout(future, 41, 5, 5, 12))
			.withMessageContaining("epoch " + future)
			.withMessageContaining("future");
	}

	@Test
	void bitsMustAddUpToSixtyThreeOrLeaveOneSpareHighBit() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new SnowflakeLayout(SnowflakeLayout.DEFAULT_EPOCH, 41, 5, 5, 13))
			.withMessageContaining("add up to 64");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new SnowflakeLayout(SnowflakeLayout.DEFAULT_EPOCH, 39, 5, 5, 12))
			.withMessageContaining("add up to 61");
		assertThatIllegalArgumentException().isThrownBy(() -> new SnowflakeLayout(SnowflakeLayout.DEFAULT_EPOCH, 51, 0, 12, 0))
			.withMessageContaining("sequence");
	}

	@Test
	void composeAndDecodeAreInverse() {
		SnowflakeLayout layout = SnowflakeLayout.DEFAULT;
		long id = layout.compose(123_456_789L, 17, 9, 4000);
		SnowflakeId parts = layout.decode(id);
		assertThat(parts.timestamp()).isEqualTo(layout.epoch().plusMillis(123_456_789L));
		assertThat(parts.datacenterId()).isEqualTo(17);
		assertThat(parts.workerId()).isEqualTo(9);
		assertThat(parts.sequence()).isEqualTo(4000);
		assertThat(layout.decode(layout.compose(layout.maxTimestamp(), 31, 31, 4095)).id()).isEqualTo(Long.MAX_VALUE);
	}

	/**
	 * Written from the seed note alone ("8 bytes: the first bit unused, 40 bits of timestamp, 10 bits of worker id
	 * (5 datacenter, then 5 machine), 12 bits of sequence"), so that it shares no code with the layout: the bits
	 * the note leaves over are the high ones above the timestamp.
	 */
	private static final class NoteDecoder {

		static long[] decode(long id) {
			long spare = id >>> 62;
			long timestamp = (id >>> 22) & ((1L << 40) - 1);
			long datacenter = (id >>> 17) & 0x1F;
			long machine = (id >>> 12) & 0x1F;
			long sequence = id & 0xFFF;
			return new long[] { spare, timestamp, datacenter, machine, sequence };
		}

	}

}
