package io.distcore.tcc.autoconfigure;

import java.time.Clock;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import io.distcore.support.InitializeSchema;
import io.distcore.support.PropertyChecks;
import io.distcore.tcc.aop.TccActionAspect;
import io.distcore.tcc.participant.JdbcTccParticipant;
import io.distcore.tcc.participant.TccActionRegistry;
import io.distcore.tcc.participant.TccBarrierStore;
import io.distcore.tcc.participant.TccTryRunner;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnSingleCandidate;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.jdbc.EmbeddedDatabaseConnection;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.transaction.PlatformTransactionManager;

/**
 * The participant side: the @TccAction advice, the barrier and the local phase-two entry point. The registry
 * checks every @TccAction at startup; the barrier and the participant need one DataSource and one
 * PlatformTransactionManager, and touch the database only at the first phase they run.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = { "tools.jackson.databind.json.JsonMapper", "org.aopalliance.intercept.MethodInterceptor",
		"org.springframework.aop.support.AbstractPointcutAdvisor" })
class TccParticipantConfiguration {

	/**
	 * Static and infrastructure: advisors are created before ordinary beans, and touching the registry or the
	 * properties bean here would keep them from being post-processed.
	 */
	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@ConditionalOnMissingBean
	static TccActionAspect tccActionAspect(ObjectProvider<TccActionRegistry> registry,
			ObjectProvider<TccTryRunner> participant, Environment environment) {
		TccProperties properties = Binder.get(environment).bindOrCreate("distcore.tcc", TccProperties.class);
		return new TccActionAspect(registry::getObject, participant::getObject, properties.getAspectOrder());
	}

	@Bean
	@ConditionalOnMissingBean
	TccActionRegistry tccActionRegistry(ConfigurableListableBeanFactory beanFactory,
			ObjectProvider<JsonMapper> jsonMapper) {
		return new TccActionRegistry(beanFactory, jsonMapper.getIfUnique(() -> JsonMapper.builder().build()));
	}

	/** Without spring-jdbc or a single DataSource there is no participant, and actions fail the startup. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = { "org.springframework.jdbc.core.JdbcTemplate",
			"org.springframework.transaction.support.TransactionTemplate",
			"org.springframework.boot.jdbc.EmbeddedDatabaseConnection" })
	@ConditionalOnSingleCandidate(DataSource.class)
	static class BarrierConfiguration {

		@Bean
		@ConditionalOnMissingBean
		TccBarrierStore tccBarrierStore(DataSource dataSource, TccProperties properties) {
			PropertyChecks.tableName("distcore.tcc.barrier-table", properties.getBarrierTable());
			return new TccBarrierStore(dataSource, properties.getBarrierTable(),
					createSchema(properties.getInitializeSchema(), dataSource), Clock.systemUTC());
		}

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnSingleCandidate(PlatformTransactionManager.class)
		JdbcTccParticipant tccParticipant(TccActionRegistry registry, TccBarrierStore barrier,
				PlatformTransactionManager transactionManager, ObjectProvider<JsonMapper> jsonMapper,
				ConfigurableListableBeanFactory beanFactory, TccProperties properties) {
			TccRetention.requireLongerThanRetries(properties);
			return new JdbcTccParticipant(registry, barrier, transactionManager,
					jsonMapper.getIfUnique(() -> JsonMapper.builder().build()), beanFactory, properties.getRetention());
		}

		/** Decided at the barrier's first use: nothing contacts the database at startup. */
		private static BooleanSupplier createSchema(InitializeSchema initialize, DataSource dataSource) {
			if (initialize == null) {
				throw PropertyChecks.invalid("distcore.tcc.initialize-schema", null, "must be one of always, embedded, never");
			}
			return switch (initialize) {
				case ALWAYS -> () -> true;
				case EMBEDDED -> () -> EmbeddedDatabaseConnection.isEmbedded(dataSource);
				case NEVER -> () -> false;
			};
		}

	}

}
