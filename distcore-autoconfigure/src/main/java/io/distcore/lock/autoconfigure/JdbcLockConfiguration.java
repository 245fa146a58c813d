package io.distcore.lock.autoconfigure;

import java.time.Duration;

import javax.sql.DataSource;

import io.distcore.lock.jdbc.JdbcLockBackend;
import io.distcore.lock.jdbc.JdbcLockPurger;
import io.distcore.support.JdbcSchemaInitialization;

import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.jdbc.EmbeddedDatabaseConnection;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Wires the Jdbc lock backend when its infrastructure is present: spring-jdbc and one DataSource. Nothing touches
 * the database at startup: the first lock creates the table as distcore.lock.jdbc.initialize-schema says, and
 * starts the purge of rows of locks released long ago (every distcore.lock.jdbc.purge-interval). Only when
 * distcore.lock.backend=jdbc is set does the startup read the table, so that a backend chosen explicitly whose
 * table is missing and will not be created fails the startup rather than the first lock.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass({ JdbcTemplate.class, EmbeddedDatabaseConnection.class })
@ConditionalOnSingleCandidate(DataSource.class)
class JdbcLockConfiguration {

	@Bean
	@ConditionalOnMissingBean
	JdbcLockBackend jdbcLockBackend(DataSource dataSource, LockProperties properties) {
		LockProperties.Jdbc jdbc = properties.getJdbc();
		if (!JdbcLockBackend.isValidTableName(jdbc.getTableName())) {
			throw new IllegalStateException("distcore.lock.jdbc.table-name must be letters, digits and '_' (not "
					+ "starting with a digit), optionally qualified as schema.table; was '" + jdbc.getTableName()
					+ "'");
		}
		requirePositive("distcore.lock.jdbc.poll-min-interval", jdbc.getPollMinInterval());
		requirePositive("distcore.lock.jdbc.poll-max-interval", jdbc.getPollMaxInterval());
		if (jdbc.getPollMaxInterval().compareTo(jdbc.getPollMinInterval()) < 0) {
			throw new IllegalStateException("distcore.lock.jdbc.poll-max-interval (" + jdbc.getPollMaxInterval()
					+ ") must be at least distcore.lock.jdbc.poll-min-interval (" + jdbc.getPollMinInterval() + ")");
		}
		if (jdbc.getQueryTimeout() == null || jdbc.getQueryTimeout().compareTo(Duration.ofSeconds(1)) < 0) {
			throw new IllegalStateException(
					"distcore.lock.jdbc.query-timeout must be at least 1s, was " + jdbc.getQueryTimeout());
		}
		return new JdbcLockBackend(dataSource, jdbc.getTableName(), jdbc.getPollMinInterval(),
				jdbc.getPollMaxInterval(), jdbc.getQueryTimeout(), JdbcSchemaInitialization
					.createSchema(jdbc.getInitializeSchema(), dataSource, "distcore.lock.jdbc.initialize-schema"));
	}

	@Bean
	@ConditionalOnProperty(name = "distcore.lock.backend", havingValue = "jdbc")
	JdbcLockTableCheck jdbcLockTableCheck(JdbcLockBackend backend) {
		return new JdbcLockTableCheck(backend);
	}

	@Bean
	@ConditionalOnMissingBean
	JdbcLockPurger jdbcLockPurger(JdbcLockBackend backend, LockProperties properties) {
		LockProperties.Jdbc jdbc = properties.getJdbc();
		if (jdbc.getPurgeInterval() == null || jdbc.getPurgeInterval().isNegative()) {
			throw new IllegalStateException(
					"distcore.lock.jdbc.purge-interval must not be negative, was " + jdbc.getPurgeInterval());
		}
		if (jdbc.getPurgeRetention() == null || jdbc.getPurgeRetention().isNegative()) {
			throw new IllegalStateException(
					"distcore.lock.jdbc.purge-retention must not be negative, was " + jdbc.getPurgeRetention());
		}
		if (jdbc.getPurgeBatchSize() < 1 || jdbc.getPurgeBatchSize() > 10_000) {
			throw new IllegalStateException(
					"distcore.lock.jdbc.purge-batch-size must be between 1 and 10000, was " + jdbc.getPurgeBatchSize());
		}
		return new JdbcLockPurger(backend, jdbc.getPurgeInterval(), jdbc.getPurgeRetention(), jdbc.getPurgeBatchSize());
	}

	private static void requirePositive(String property, Duration value) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw new IllegalStateException(property + " must be positive, was " + value);
		}
	}

}
