package io.distcore.lock.autoconfigure;

import java.time.Duration;

import javax.sql.DataSource;

import io.distcore.lock.jdbc.JdbcLockBackend;
import io.distcore.lock.jdbc.JdbcLockPurger;
import io.distcore.support.JdbcSchemaInitialization;
import io.distcore.support.PropertyChecks;

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
		PropertyChecks.check(JdbcLockBackend.isValidTableName(jdbc.getTableName()), "distcore.lock.jdbc.table-name",
				jdbc.getTableName(),
				"must be letters, digits and '_' (not starting with a digit), optionally qualified as schema.table");
		PropertyChecks.positive("distcore.lock.jdbc.poll-min-interval", jdbc.getPollMinInterval());
		PropertyChecks.positive("distcore.lock.jdbc.poll-max-interval", jdbc.getPollMaxInterval());
		PropertyChecks.check(jdbc.getPollMaxInterval().compareTo(jdbc.getPollMinInterval()) >= 0,
				"distcore.lock.jdbc.poll-max-interval", jdbc.getPollMaxInterval(),
				"must be at least distcore.lock.jdbc.poll-min-interval (" + jdbc.getPollMinInterval() + ")");
		PropertyChecks.atLeast("distcore.lock.jdbc.query-timeout", jdbc.getQueryTimeout(), Duration.ofSeconds(1));
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
		PropertyChecks.notNegative("distcore.lock.jdbc.purge-interval", jdbc.getPurgeInterval());
		PropertyChecks.notNegative("distcore.lock.jdbc.purge-retention", jdbc.getPurgeRetention());
		PropertyChecks.between("distcore.lock.jdbc.purge-batch-size", jdbc.getPurgeBatchSize(), 1, 10_000);
		return new JdbcLockPurger(backend, jdbc.getPurgeInterval(), jdbc.getPurgeRetention(), jdbc.getPurgeBatchSize());
	}

}
