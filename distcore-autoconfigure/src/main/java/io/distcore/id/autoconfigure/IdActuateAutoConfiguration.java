package io.distcore.id.autoconfigure;

import io.distcore.id.IdGenerator;
import io.distcore.id.actuate.IdsEndpoint;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Actuator endpoint for ids.
 */
@AutoConfiguration(after = IdAutoConfiguration.class)
@ConditionalOnBean(IdGenerator.class)
public final class IdActuateAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.web.annotation.WebEndpoint")
	@ConditionalOnAvailableEndpoint(IdsEndpoint.class)
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		IdsEndpoint idsEndpoint(IdGenerator generator) {
			return new IdsEndpoint(generator);
		}

	}

}
