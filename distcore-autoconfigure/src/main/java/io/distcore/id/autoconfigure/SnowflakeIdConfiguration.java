package io.distcore.id.autoconfigure;

import java.time.Clock;
import java.time.Instant;

import io.distcore.id.IdGenerator;
import io.distcore.id.snowflake.SnowflakeIdGenerator;
import io.distcore.id.snowflake.SnowflakeLayout;
import io.distcore.id.snowflake.WorkerIdLease;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The snowflake {@link IdGenerator}, on the worker identity from {@link WorkerIdLeaseConfiguration}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "distcore.id.generator", havingValue = "snowflake", matchIfMissing = true)
class SnowflakeIdConfiguration {

	private static final Log logger = LogFactory.getLog(SnowflakeIdConfiguration.class);

	@Bean
	@ConditionalOnMissingBean(IdGenerator.class)
	SnowflakeIdGenerator snowflakeIdGenerator(IdProperties properties, ObjectProvider<WorkerIdLease> lease,
			ObjectProvider<Clock> clock) {
		IdProperties.Snowflake snowflake = properties.getSnowflake();
		SnowflakeLayout layout = layout(snowflake);
		Clock wallClock = clock.getIfAvailable(Clock::systemUTC);
		if (!layout.runsOutAt().isAfter(wallClock.instant())) {
			throw new IllegalStateException("The snowflake layout (distcore.id.snowflake.timestamp-bits="
					+ layout.timestampBits() + ", epoch " + layout.epoch() + ") ran out of ids at " + layout.runsOutAt());
		}
		if (snowflake.getMaxBackward() == null || snowflake.getMaxBackward().isNegative()) {
			throw new IllegalStateException("distcore.id.snowflake.max-backward must not be negative, was "
					+ snowflake.getMaxBackward());
		}
		WorkerIdLease workerId = lease.getIfAvailable(() -> WorkerIdLeases.none());
		SnowflakeIdGenerator generator = new SnowflakeIdGenerator(layout, workerId, wallClock,
				snowflake.getMaxBackward(), snowflake.isRandomFirstSequence());
		logger.info("Snowflake ids: " + layout.timestampBits() + "-bit ms timestamp from " + layout.epoch() + ", "
				+ layout.datacenterBits() + "+" + layout.workerBits() + " worker bits, " + layout.sequenceBits()
				+ "-bit sequence; worker " + workerId + "; ids run out on " + layout.runsOutAt());
		return generator;
	}

	static SnowflakeLayout layout(IdProperties.Snowflake snowflake) {
		SnowflakeLayout preset = (snowflake.getPreset() == IdProperties.Preset.SEED) ? SnowflakeLayout.SEED
				: SnowflakeLayout.DEFAULT;
		Instant epoch = (snowflake.getEpoch() != null) ? snowflake.getEpoch() : preset.epoch();
		if (epoch.isAfter(Instant.now())) {
			throw new IllegalStateException("distcore.id.snowflake.epoch must be in the past, was " + epoch);
		}
		try {
			return new SnowflakeLayout(epoch,
					orDefault(snowflake.getTimestampBits(), preset.timestampBits()),
					orDefault(snowflake.getDatacenterBits(), preset.datacenterBits()),
					orDefault(snowflake.getWorkerBits(), preset.workerBits()),
					orDefault(snowflake.getSequenceBits(), preset.sequenceBits()));
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException("Invalid snowflake layout (distcore.id.snowflake.timestamp-bits, "
					+ "datacenter-bits, worker-bits, sequence-bits): " + ex.getMessage(), ex);
		}
	}

	private static int orDefault(Integer value, int fallback) {
		return (value != null) ? value : fallback;
	}

}
