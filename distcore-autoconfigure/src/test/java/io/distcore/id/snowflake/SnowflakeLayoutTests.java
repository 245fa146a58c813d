package io.distcore.id.snowflake;

import java.time.Instant;

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
	void seedPresetHasAFortyBitTimestamp() {
		SnowflakeLayout layout = SnowflakeLayout.SEED;
		assertThat(layout.timestampBits()).isEqualTo(40);
		assertThat(layout.sequenceBits()).isEqualTo(12);
		assertThat(layout.workerCount()).isEqualTo(2048);
		assertThat(layout.runsOutAt()).isEqualTo(Instant.parse("2054-11-03T19:53:47.775Z"));
	}

	@Test
	void bitsMustAddUpToSixtyThree() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new SnowflakeLayout(SnowflakeLayout.DEFAULT_EPOCH, 41, 5, 5, 13))
			.withMessageContaining("add up to 64");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new SnowflakeLayout(SnowflakeLayout.DEFAULT_EPOCH, 40, 5, 5, 12))
			.withMessageContaining("add up to 62");
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

}
