package io.distcore.tcc.autoconfigure;

import java.time.Clock;

import io.distcore.tcc.actuate.TccAdminEndpoint;
import io.distcore.tcc.actuate.TccEndpoint;
import io.distcore.tcc.actuate.TccHealthIndicator;
import io.distcore.tcc.actuate.TccMetrics;
import io.distcore.tcc.coordinator.JdbcTccLogStore;
import io.distcore.tcc.coordinator.TccCoordinator;

import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.health.autoconfigure.contributor.ConditionalOnEnabledHealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Actuator endpoints and health indicator for TCC, on the embedded coordinator's log. The write endpoint
 * {@code tccadmin} exists only when its access is granted ({@code management.endpoint.tccadmin.access}).
 */
@AutoConfiguration(after = TccAutoConfiguration.class)
@ConditionalOnBean({ TccCoordinator.class, JdbcTccLogStore.class })
public final class TccActuateAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.web.annotation.WebEndpoint")
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnAvailableEndpoint(TccEndpoint.class)
		TccEndpoint tccEndpoint(JdbcTccLogStore store) {
			return new TccEndpoint(store, Clock.systemUTC());
		}

		@Bean
		@ConditionalOnMissingBean
		@ConditionalOnAvailableEndpoint(TccAdminEndpoint.class)
		TccAdminEndpoint tccAdminEndpoint(JdbcTccLogStore store) {
			return new TccAdminEndpoint(store, Clock.systemUTC());
		}

	}

	/** A listener of the coordinator: the coordinator takes every TccListener bean when it is created. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		TccMetrics tccMetrics(JdbcTccLogStore store) {
			return new TccMetrics(store);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
	@ConditionalOnEnabledHealthIndicator("tcc")
	@EnableConfigurationProperties(TccHealthProperties.class)
	static class HealthConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "tccHealthIndicator")
		TccHealthIndicator tccHealthIndicator(JdbcTccLogStore store, TccHealthProperties properties) {
			TccCoordinatorConfiguration.requirePositive("distcore.tcc.health.stuck-after", properties.getStuckAfter());
			TccCoordinatorConfiguration.requirePositive("distcore.tcc.health.timeout", properties.getTimeout());
			if (properties.getStatus() == null || properties.getStatus().isBlank()) {
				throw new InvalidConfigurationPropertyValueException("distcore.tcc.health.status",
						properties.getStatus(), "must be a status code such as DEGRADED or DOWN");
			}
			return new TccHealthIndicator(store, Clock.systemUTC(), properties.getStuckAfter(),
					new Status(properties.getStatus().trim()), properties.getTimeout());
		}

	}

}
