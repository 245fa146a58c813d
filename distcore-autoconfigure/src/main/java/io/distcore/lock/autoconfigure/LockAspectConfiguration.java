package io.distcore.lock.autoconfigure;

import io.distcore.lock.LockRegistry;
import io.distcore.lock.aop.DistributedLockAdvisor;
import io.distcore.lock.aop.DistributedLockInterceptor;
import io.distcore.lock.aop.LockLostTransactionGuard;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;

/**
 * Wires the {@code @DistributedLock} advice, and the guard that keeps a transaction from committing after its
 * lock was lost.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = { "org.springframework.aop.support.AbstractPointcutAdvisor",
		"org.aopalliance.intercept.MethodInterceptor" })
class LockAspectConfiguration {

	/**
	 * Static, infrastructure and bound straight from the environment: advisors are created before ordinary
	 * beans, and touching the registry or the properties bean here would keep them from being post-processed.
	 */
	@Bean
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	@ConditionalOnMissingBean
	static DistributedLockAdvisor distributedLockAdvisor(ObjectProvider<LockRegistry> registry, Environment environment,
			BeanFactory beanFactory) {
		LockProperties properties = Binder.get(environment).bindOrCreate("distcore.lock", LockProperties.class);
		DistributedLockInterceptor interceptor = new DistributedLockInterceptor(registry::getObject, environment,
				beanFactory, properties.getWaitTime());
		return new DistributedLockAdvisor(interceptor, properties.getAspectOrder());
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.transaction.TransactionExecutionListener")
	static class TransactionGuardConfiguration {

		@Bean
		@ConditionalOnMissingBean
		LockLostTransactionGuard lockLostTransactionGuard() {
			return new LockLostTransactionGuard();
		}

	}

}
