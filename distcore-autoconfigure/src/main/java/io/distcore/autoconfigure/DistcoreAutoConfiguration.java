package io.distcore.autoconfigure;

import io.distcore.support.InstanceId;
import io.distcore.support.PropertyChecks;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * Beans every distcore capability shares.
 */
@AutoConfiguration
@EnableConfigurationProperties(DistcoreProperties.class)
public final class DistcoreAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	InstanceId distcoreInstanceId(DistcoreProperties properties) {
		String configured = properties.getInstanceId();
		if (configured == null) {
			return InstanceId.generate();
		}
		try {
			return new InstanceId(configured);
		}
		catch (IllegalArgumentException ex) {
			throw PropertyChecks.invalid("distcore.instance-id", configured, ex.getMessage(), ex);
		}
	}

}
