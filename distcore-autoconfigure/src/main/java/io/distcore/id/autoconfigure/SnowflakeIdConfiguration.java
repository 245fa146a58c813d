package io.distcore.id.autoconfigure;

import java.time.Clock;
import java.time.Instant;

import io.distcore.id.IdGenerator;
import io.distcore.id.snowflake.SnowflakeIdGenerator;
import io.distcore.id.snowflake.SnowflakeLayout;
import io.distcore.id.snowflake.WorkerIdLease;
import io.distcore.support.PropertyChecks;
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
			throw PropertyChecks.invalid("distcore.id.snowflake.timestamp-bits", layout.timestampBits(),
					"with the epoch " + layout.epoch() + " the ids ran out at " + layout.runsOutAt()
							+ "; set a later distcore.id.snowflake.epoch or more timestamp bits");
		}
		PropertyChecks.notNegative("distcore.id.snowflake.max-backward", snowflake.getMaxBackward());
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
		PropertyChecks.check(!epoch.isAfter(Instant.now()), "distcore.id.snowflake.epoch", epoch, "must be in the past");
		try {
			return new SnowflakeLayout(epoch,
					orDefault(snowflake.getTimestampBits(), preset.timestampBits()),
					orDefault(snowflake.getDatacenterBits(), preset.datacenterBits()),
					orDefault(snowflake.getWorkerBits(), preset.workerBits()),
					orDefault(snowflake.getSequenceBits(), preset.sequenceBits()));
		}
		catch (IllegalArgumentException ex) {
			throw PropertyChecks.invalid("distcore.id.snowflake.timestamp-bits",
					orDefault(snowflake.getTimestampBits(), preset.timestampBits()), "the layout (with datacenter-bits, "
							+ "worker-bits and sequence-bits) is invalid: " + ex.getMessage(), ex);
		}
	}

	private static int orDefault(Integer value, int fallback) {
		return (value != null) ? value : fallback;
	}

}
