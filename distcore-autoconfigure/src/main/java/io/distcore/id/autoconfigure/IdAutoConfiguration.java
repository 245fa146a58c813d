package io.distcore.id.autoconfigure;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.autoconfigure.ZooKeeperAutoConfiguration;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Import;

/**
 * The {@link io.distcore.id.IdGenerator} bean chosen by {@code distcore.id.generator}, and for snowflake the
 * worker identity it issues ids under.
 */
@AutoConfiguration(after = { DistcoreAutoConfiguration.class, ZooKeeperAutoConfiguration.class },
		afterName = { "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
				"org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
				"org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration" })
@ConditionalOnBooleanProperty(name = "distcore.id.enabled", matchIfMissing = true)
@EnableConfigurationProperties(IdProperties.class)
@Import({ WorkerIdLeaseConfiguration.class, SnowflakeIdConfiguration.class, SegmentIdConfiguration.class })
public final class IdAutoConfiguration {

}
