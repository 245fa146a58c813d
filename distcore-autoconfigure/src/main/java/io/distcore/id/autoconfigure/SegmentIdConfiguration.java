package io.distcore.id.autoconfigure;

import java.time.Clock;
import java.time.Duration;

import javax.sql.DataSource;

import io.distcore.id.IdGenerator;
import io.distcore.id.segment.SegmentIdGenerator;
import io.distcore.id.segment.SegmentSettings;
import io.distcore.id.segment.SegmentSource;
import io.distcore.id.segment.jdbc.JdbcSegmentSource;
import io.distcore.id.segment.redis.RedisSegmentSource;
import io.distcore.support.JdbcSchemaInitialization;
import io.distcore.support.PropertyChecks;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.util.ClassUtils;

/**
 * The segment {@link IdGenerator}: {@code distcore.id.generator=jdbc} on the application's single DataSource,
 * {@code redis} on its RedisConnectionFactory. Choosing a generator whose infrastructure is missing fails the
 * startup naming {@code distcore.id.generator}, rather than leaving the application without ids. The database is
 * not contacted at startup: the segment table is created, per {@code distcore.id.jdbc.initialize-schema}, at
 * the first segment. Types of the
 * optional libraries are only touched, in the nested holder classes, once they are known to be present.
 */
@Configuration(proxyBeanMethods = false)
class SegmentIdConfiguration {

	private static final Log logger = LogFactory.getLog(SegmentIdConfiguration.class);

	static SegmentIdGenerator generator(SegmentSource source, SegmentSettings settings, ObjectProvider<Clock> clock) {
		SegmentIdGenerator generator = new SegmentIdGenerator(source, settings, clock.getIfAvailable(Clock::systemUTC));
		logger.info("Segment ids from " + source + ": step " + settings.step()
				+ (settings.dynamicStep() ? " (dynamic, up to " + settings.maxStep() + ")" : "")
				+ ", next segment fetched in the background once " + Math.round(settings.prefetchThreshold() * 100)
				+ "% of the current one is used");
		return generator;
	}

	static SegmentSettings settings(IdProperties.Segment segment) {
		long step = segment.getStep();
		PropertyChecks.between("distcore.id.segment.step", step, 1, SegmentSettings.MAX_STEP);
		double threshold = segment.getPrefetchThreshold();
		PropertyChecks.check(threshold >= 0 && threshold <= 1, "distcore.id.segment.prefetch-threshold", threshold,
				"must be between 0 and 1 (a share of the segment)");
		if (!segment.isDynamicStep()) {
			return SegmentSettings.fixed(step, threshold);
		}
		PropertyChecks.check(segment.getMaxStep() >= step && segment.getMaxStep() <= SegmentSettings.MAX_STEP,
				"distcore.id.segment.max-step", segment.getMaxStep(),
				"must be between distcore.id.segment.step (" + step + ") and " + SegmentSettings.MAX_STEP);
		PropertyChecks.positive("distcore.id.segment.fast-segment", segment.getFastSegment());
		PropertyChecks.positive("distcore.id.segment.slow-segment", segment.getSlowSegment());
		PropertyChecks.check(segment.getSlowSegment().compareTo(segment.getFastSegment()) >= 0,
				"distcore.id.segment.slow-segment", segment.getSlowSegment(),
				"must be at least distcore.id.segment.fast-segment (" + segment.getFastSegment() + ")");
		return new SegmentSettings(step, threshold, true, segment.getMaxStep(), segment.getFastSegment(),
				segment.getSlowSegment());
	}

	private static void requireClass(ConfigurableListableBeanFactory beanFactory, String className, String generator,
			String library) {
		if (!ClassUtils.isPresent(className, beanFactory.getBeanClassLoader())) {
			throw PropertyChecks.invalid("distcore.id.generator", generator, "needs " + library
					+ " on the class path");
		}
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(name = "distcore.id.generator", havingValue = "jdbc")
	static class JdbcSegmentIdConfiguration {

		@Bean
		@ConditionalOnMissingBean(IdGenerator.class)
		SegmentIdGenerator jdbcSegmentIdGenerator(IdProperties properties, ObjectProvider<DataSource> dataSource,
				ObjectProvider<Clock> clock, ConfigurableListableBeanFactory beanFactory) {
			SegmentSettings settings = settings(properties.getSegment());
			requireClass(beanFactory, "org.springframework.jdbc.core.JdbcTemplate", "jdbc", "spring-jdbc");
			requireClass(beanFactory, "org.springframework.boot.jdbc.EmbeddedDatabaseConnection", "jdbc",
					"spring-boot-jdbc");
			DataSource database = dataSource.getIfUnique();
			if (database == null) {
				throw PropertyChecks.invalid("distcore.id.generator", "jdbc", "needs a single DataSource bean, but the "
						+ "context has " + (dataSource.stream().findAny().isPresent() ? "several" : "none"));
			}
			return generator(JdbcSources.create(database, properties.getJdbc()), settings, clock);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnProperty(name = "distcore.id.generator", havingValue = "redis")
	static class RedisSegmentIdConfiguration {

		@Bean
		@ConditionalOnMissingBean(IdGenerator.class)
		SegmentIdGenerator redisSegmentIdGenerator(IdProperties properties, ConfigurableListableBeanFactory beanFactory,
				ObjectProvider<Clock> clock) {
			SegmentSettings settings = settings(properties.getSegment());
			requireClass(beanFactory, "org.springframework.data.redis.connection.RedisConnectionFactory", "redis",
					"spring-data-redis");
			return generator(RedisSources.create(beanFactory, properties.getRedis()), settings, clock);
		}

	}

	/** Touches spring-jdbc types; loaded only once they are known to be present. */
	private static final class JdbcSources {

		static JdbcSegmentSource create(DataSource dataSource, IdProperties.Jdbc jdbc) {
			PropertyChecks.tableName("distcore.id.jdbc.table-name", jdbc.getTableName());
			PropertyChecks.atLeast("distcore.id.jdbc.query-timeout", jdbc.getQueryTimeout(), Duration.ofSeconds(1));
			return new JdbcSegmentSource(dataSource, jdbc.getTableName(), jdbc.getQueryTimeout(),
					JdbcSchemaInitialization.createSchema(jdbc.getInitializeSchema(), dataSource,
							"distcore.id.jdbc.initialize-schema"));
		}

	}

	/** Touches spring-data-redis types; loaded only once they are known to be present. */
	private static final class RedisSources {

		static RedisSegmentSource create(ListableBeanFactory beanFactory, IdProperties.Redis redis) {
			RedisConnectionFactory connectionFactory = beanFactory.getBeanProvider(RedisConnectionFactory.class)
				.getIfUnique();
			if (connectionFactory == null) {
				throw PropertyChecks.invalid("distcore.id.generator", "redis",
						"needs a single RedisConnectionFactory bean (configure spring.data.redis.*)");
			}
			PropertyChecks.notEmpty("distcore.id.redis.key-prefix", redis.getKeyPrefix());
			return new RedisSegmentSource(connectionFactory, redis.getKeyPrefix());
		}

	}

}
