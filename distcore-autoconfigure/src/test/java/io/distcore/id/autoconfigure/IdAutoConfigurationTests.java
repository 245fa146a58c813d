package io.distcore.id.autoconfigure;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.id.IdGenerationException;
import io.distcore.id.IdGenerator;
import io.distcore.id.snowflake.SnowflakeIdGenerator;
import io.distcore.id.snowflake.SnowflakeLayout;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static io.distcore.support.InvalidProperty.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Snowflake wiring and layout validation; worker id leasing has its own tests.
 */
class IdAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class, IdAutoConfiguration.class));

	@Test
	void snowflakeIsTheDefaultAndRefusesIdsWithoutAWorkerId() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(SnowflakeIdGenerator.class);
			IdGenerator ids = context.getBean(IdGenerator.class);
			assertThatExceptionOfType(IdGenerationException.class).isThrownBy(ids::nextId)
				.withMessageContaining("distcore.id.snowflake.worker-id");
		});
	}

	@Test
	void aFixedWorkerIdIssuesIdsUnderIt() {
		this.contextRunner.withPropertyValues("distcore.id.snowflake.worker-id=5", "distcore.id.snowflake.datacenter-id=2")
			.run((context) -> {
				SnowflakeIdGenerator ids = context.getBean(SnowflakeIdGenerator.class);
				long id = ids.nextId();
				assertThat(ids.layout().decode(id).workerId()).isEqualTo(5);
				assertThat(ids.layout().decode(id).datacenterId()).isEqualTo(2);
			});
	}

	@Test
	void theSeedPresetIsTheNotesLayoutWithFiveDatacenterBits() {
		this.contextRunner.withPropertyValues("distcore.id.snowflake.preset=seed", "distcore.id.snowflake.worker-id=31",
				"distcore.id.snowflake.datacenter-id=31")
			.run((context) -> assertThat(context.getBean(SnowflakeIdGenerator.class).layout())
				.isEqualTo(new SnowflakeLayout(SnowflakeLayout.DEFAULT_EPOCH, 40, 5, 5, 12)));
		this.contextRunner.withPropertyValues("distcore.id.snowflake.preset=seed", "distcore.id.snowflake.worker-id=1",
				"distcore.id.snowflake.datacenter-id=32")
			.run((context) -> assertInvalid(context.getStartupFailure(), "distcore.id.snowflake.datacenter-id")
				.hasMessageContaining("must be between 0 and 31"));
	}

	/**
	 * The README's migration for applications that used {@code preset: seed} before it became the seed note's
	 * layout: pinning the former bit counts issues exactly the ids the former 40 + 6 + 5 + 12 layout did, computed
	 * here from that layout's definition rather than with {@link SnowflakeLayout}.
	 */
	@Test
	void pinningTheFormerSeedBitsIssuesTheFormerSeedLayoutsIds() {
		Instant now = Instant.parse("2026-05-01T10:00:00.123Z");
		this.contextRunner.withBean(Clock.class, () -> Clock.fixed(now, ZoneOffset.UTC))
			.withPropertyValues("distcore.id.snowflake.preset=seed", "distcore.id.snowflake.timestamp-bits=40",
					"distcore.id.snowflake.datacenter-bits=6", "distcore.id.snowflake.worker-bits=5",
					"distcore.id.snowflake.sequence-bits=12", "distcore.id.snowflake.datacenter-id=45",
					"distcore.id.snowflake.worker-id=19", "distcore.id.snowflake.random-first-sequence=false")
			.run((context) -> {
				IdGenerator ids = context.getBean(IdGenerator.class);
				long millis = now.toEpochMilli() - Instant.parse("2020-01-01T00:00:00Z").toEpochMilli();
				// Former seed: 1 sign bit, 40-bit timestamp, 6-bit datacenter, 5-bit worker, 12-bit sequence.
				long former = (millis << 23) | (45L << 17) | (19L << 12);
				assertThat(ids.nextIds("order", 3)).containsExactly(former, former + 1, former + 2);
			});
	}

	@Test
	void bitsThatDoNotAddUpTo63FailNamingTheProperties() {
		this.contextRunner.withPropertyValues("distcore.id.snowflake.sequence-bits=13")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("distcore.id.snowflake.timestamp-bits")
				.hasStackTraceContaining("add up to 64"));
	}

	@Test
	void anEpochInTheFutureFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("distcore.id.snowflake.epoch=2999-01-01T00:00:00Z")
			.run((context) -> assertInvalid(context.getStartupFailure(), "distcore.id.snowflake.epoch")
				.hasMessageContaining("must be in the past"));
	}

	@Test
	void anExhaustedLayoutIsRefusedWithItsRunOutDate() {
		this.contextRunner
			.withPropertyValues("distcore.id.snowflake.timestamp-bits=30", "distcore.id.snowflake.sequence-bits=23")
			.run((context) -> assertInvalid(context.getStartupFailure(), "distcore.id.snowflake.timestamp-bits")
				.hasMessageContaining("ran out at 2020-01-13T10:15:41.823Z"));
	}

	@Test
	void aNegativeMaxBackwardFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("distcore.id.snowflake.max-backward=-1ms")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("distcore.id.snowflake.max-backward"));
	}

}
