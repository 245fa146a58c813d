package io.distcore.lock.autoconfigure;

import io.distcore.lock.LockRegistry;
import io.distcore.lock.actuate.LockHealthIndicator;
import io.distcore.lock.actuate.LocksEndpoint;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Actuator endpoint and health indicator for locks. Meters come with the registry's listeners
 * ({@link LockAutoConfiguration}).
 */
@AutoConfiguration(after = LockAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "distcore.lock.enabled", matchIfMissing = true)
@ConditionalOnBean(LockRegistry.class)
public final class LockActuateAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
	@ConditionalOnAvailableEndpoint(LocksEndpoint.class)
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		LocksEndpoint locksEndpoint(LockRegistry registry) {
			return new LocksEndpoint(registry);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
	@ConditionalOnEnabledHealthIndicator("locks")
	static class HealthConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "locksHealthIndicator")
		LockHealthIndicator locksHealthIndicator(LockRegistry registry) {
			return new LockHealthIndicator(registry);
		}

	}

}
