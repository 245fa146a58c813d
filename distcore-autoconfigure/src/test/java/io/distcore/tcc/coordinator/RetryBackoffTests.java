package io.distcore.tcc.coordinator;

import java.time.Duration;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Waits between phase-two attempts.
 */
class RetryBackoffTests {

	@Test
	void growsExponentiallyUpToTheCap() {
		RetryBackoff backoff = new RetryBackoff(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(10), 0.0);
		assertThat(backoff.delay(1)).isEqualTo(Duration.ofSeconds(1));
		assertThat(backoff.delay(2)).isEqualTo(Duration.ofSeconds(2));
		assertThat(backoff.delay(4)).isEqualTo(Duration.ofSeconds(8));
		assertThat(backoff.delay(5)).isEqualTo(Duration.ofSeconds(10));
		assertThat(backoff.delay(10_000)).as("no overflow").isEqualTo(Duration.ofSeconds(10));
	}

	@Test
	void jitterSpreadsWaitsBelowTheCap() {
		RetryBackoff backoff = new RetryBackoff(Duration.ofSeconds(10), 2.0, Duration.ofSeconds(10), 0.5);
		long distinct = java.util.stream.IntStream.range(0, 200)
			.mapToObj((i) -> backoff.delay(3))
			.peek((delay) -> assertThat(delay).isBetween(Duration.ofSeconds(5), Duration.ofSeconds(10)))
			.distinct()
			.count();
		assertThat(distinct).isGreaterThan(10);
	}

	@Test
	void refusesBadSettings() {
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RetryBackoff(Duration.ZERO, 2.0, Duration.ofSeconds(1), 0.1));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RetryBackoff(Duration.ofSeconds(1), 0.9, Duration.ofSeconds(1), 0.1));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RetryBackoff(Duration.ofSeconds(2), 2.0, Duration.ofSeconds(1), 0.1));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new RetryBackoff(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(1), 1.1));
	}

}
