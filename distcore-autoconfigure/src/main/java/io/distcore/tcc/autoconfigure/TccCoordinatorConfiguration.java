package io.distcore.tcc.autoconfigure;

import java.time.Clock;
import java.time.Duration;

import javax.sql.DataSource;

import io.distcore.support.InitializeSchema;
import io.distcore.support.InstanceId;
import io.distcore.tcc.BranchTransport;
import io.distcore.tcc.TccListener;
import io.distcore.tcc.TccParticipant;
import io.distcore.tcc.aop.TccTransactionAspect;
import io.distcore.tcc.coordinator.JdbcTccLogStore;
import io.distcore.tcc.coordinator.LocalBranchTransport;
import io.distcore.tcc.coordinator.RetryBackoff;
import io.distcore.tcc.coordinator.TccCoordinator;
import io.distcore.tcc.coordinator.TccRecovery;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.jdbc.EmbeddedDatabaseConnection;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;

/**
 * The embedded coordinator: the @TccTransaction advice, the durable log, phase two and recovery. Needs spring-jdbc
 * and one DataSource (the log lives in it); backs off otherwise. The log tables are created at the first use as
 * distcore.tcc.initialize-schema says: nothing contacts the database at startup.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = { "org.springframework.jdbc.core.JdbcTemplate",
		"org.springframework.boot.jdbc.EmbeddedDatabaseConnection",
		"org.springframework.aop.support.AbstractPointcutAdvisor", "org.aopalliance.intercept.MethodInterceptor" })
@ConditionalOnSingleCandidate(DataSource.class)
class TccCoordinatorConfiguration {

	/**
	 * Static, infrastructure and bound straight from the environment: advisors are created before ordinary beans,
	 * and touching the coordinator or the properties bean here would keep them from being post-processed.
	 */
	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@ConditionalOnMissingBean
	static TccTransactionAspect tccTransactionAspect(ObjectProvider<TccCoordinator> coordinator,
			Environment environment) {
		TccProperties properties = Binder.get(environment).bindOrCreate("distcore.tcc", TccProperties.class);
		return new TccTransactionAspect(coordinator::getObject, properties.getDefaultTimeout(),
				properties.getAspectOrder());
	}

	@Bean
	@ConditionalOnMissingBean
	JdbcTccLogStore tccLogStore(DataSource dataSource, TccProperties properties) {
		if (!JdbcTccLogStore.isValidTablePrefix(properties.getTablePrefix())) {
			throw new InvalidConfigurationPropertyValueException("distcore.tcc.table-prefix",
					properties.getTablePrefix(), "the table names {prefix}transaction and {prefix}branch must be "
							+ "letters, digits and '_' (not starting with a digit), optionally schema-qualified");
		}
		InitializeSchema initialize = properties.getInitializeSchema();
		if (initialize == null) {
			throw new InvalidConfigurationPropertyValueException("distcore.tcc.initialize-schema", null,
					"must be one of always, embedded, never");
		}
		Duration queryTimeout = properties.getCoordinator().getQueryTimeout();
		if (queryTimeout == null || queryTimeout.compareTo(Duration.ofSeconds(1)) < 0) {
			throw new InvalidConfigurationPropertyValueException("distcore.tcc.coordinator.query-timeout",
					queryTimeout, "must be at least 1s");
		}
		return new JdbcTccLogStore(dataSource, properties.getTablePrefix(), queryTimeout, switch (initialize) {
			case ALWAYS -> () -> true;
			case EMBEDDED -> () -> EmbeddedDatabaseConnection.isEmbedded(dataSource);
			case NEVER -> () -> false;
		});
	}

	@Bean
	@ConditionalOnMissingBean(name = "tccLocalBranchTransport")
	LocalBranchTransport tccLocalBranchTransport(ObjectProvider<TccParticipant> participant) {
		return new LocalBranchTransport(participant::getIfAvailable);
	}

	@Bean
	@ConditionalOnMissingBean
	TccCoordinator tccCoordinator(JdbcTccLogStore store, ObjectProvider<BranchTransport> transports,
			ObjectProvider<InstanceId> instanceId, ObjectProvider<TccListener> listeners, TccProperties properties) {
		validate(properties);
		TccProperties.Retry retry = properties.getRetry();
		RetryBackoff backoff = new RetryBackoff(retry.getInitialInterval(), retry.getMultiplier(),
				retry.getMaxInterval(), retry.getJitter());
		TccCoordinator.Settings settings = new TccCoordinator.Settings(properties.getRecovery().getClaimLease(),
				properties.getMaxRetryTime(), backoff, properties.getRecovery().getBatchSize());
		String owner = instanceId.getIfAvailable(InstanceId::generate).value();
		return new TccCoordinator(store, () -> transports.orderedStream().toList(), Clock.systemUTC(), owner,
				settings, listeners.orderedStream().toList());
	}

	@Bean
	@ConditionalOnMissingBean
	TccRecovery tccRecovery(TccCoordinator coordinator, TccTransactionAspect aspect, TccProperties properties) {
		TccProperties.Recovery recovery = properties.getRecovery();
		boolean enabled = recovery.isEnabled();
		return new TccRecovery(coordinator, () -> enabled && aspect.hasTransactionalMethods(), recovery.getInterval(),
				properties.getRetention(), recovery.getBatchSize());
	}

	private static void validate(TccProperties properties) {
		requirePositive("distcore.tcc.default-timeout", properties.getDefaultTimeout());
		requirePositive("distcore.tcc.max-retry-time", properties.getMaxRetryTime());
		requirePositive("distcore.tcc.retention", properties.getRetention());
		TccRetention.requireLongerThanRetries(properties);
		TccProperties.Retry retry = properties.getRetry();
		requirePositive("distcore.tcc.retry.initial-interval", retry.getInitialInterval());
		requirePositive("distcore.tcc.retry.max-interval", retry.getMaxInterval());
		if (retry.getMaxInterval().compareTo(retry.getInitialInterval()) < 0) {
			throw new InvalidConfigurationPropertyValueException("distcore.tcc.retry.max-interval",
					retry.getMaxInterval(), "must be at least distcore.tcc.retry.initial-interval ("
							+ retry.getInitialInterval() + ")");
		}
		if (!(retry.getMultiplier() >= 1.0) || Double.isInfinite(retry.getMultiplier())) {
			throw new InvalidConfigurationPropertyValueException("distcore.tcc.retry.multiplier",
					retry.getMultiplier(), "must be a number of at least 1");
		}
		if (!(retry.getJitter() >= 0.0 && retry.getJitter() <= 1.0)) {
			throw new InvalidConfigurationPropertyValueException("distcore.tcc.retry.jitter", retry.getJitter(),
					"must be between 0 and 1");
		}
		TccProperties.Recovery recovery = properties.getRecovery();
		requirePositive("distcore.tcc.recovery.interval", recovery.getInterval());
		requirePositive("distcore.tcc.recovery.claim-lease", recovery.getClaimLease());
		if (recovery.getBatchSize() < 1 || recovery.getBatchSize() > 10_000) {
			throw new InvalidConfigurationPropertyValueException("distcore.tcc.recovery.batch-size",
					recovery.getBatchSize(), "must be between 1 and 10000");
		}
	}

	static void requirePositive(String property, Duration value) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw new InvalidConfigurationPropertyValueException(property, value, "must be positive");
		}
	}

}
