package io.distcore.loadbalancer.autoconfigure;

import io.distcore.loadbalancer.LoadBalancer;
import io.distcore.loadbalancer.actuate.LoadBalancerEndpoint;
import io.distcore.loadbalancer.actuate.LoadBalancerHealthIndicator;
import io.distcore.loadbalancer.actuate.LoadBalancerMetrics;

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
 * Actuator endpoint, health indicator and Micrometer meters for the load balancer.
 */
@AutoConfiguration(after = LoadBalancerAutoConfiguration.class)
@ConditionalOnBooleanProperty(name = "distcore.loadbalancer.enabled", matchIfMissing = true)
@ConditionalOnBean(LoadBalancer.class)
public final class LoadBalancerActuateAutoConfiguration {

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.annotation.Endpoint")
	@ConditionalOnAvailableEndpoint(LoadBalancerEndpoint.class)
	static class EndpointConfiguration {

		@Bean
		@ConditionalOnMissingBean
		LoadBalancerEndpoint loadBalancerEndpoint(LoadBalancer loadBalancer) {
			return new LoadBalancerEndpoint(loadBalancer);
		}

	}

	/** Meters hang off the balancers' listener, so the balancer itself depends on no metrics library. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		LoadBalancerMetrics loadBalancerMetrics(LoadBalancer loadBalancer) {
			LoadBalancerMetrics metrics = new LoadBalancerMetrics();
			loadBalancer.serviceIds().forEach((serviceId) -> loadBalancer.service(serviceId).setListener(metrics));
			return metrics;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.boot.health.contributor.HealthIndicator")
	@ConditionalOnEnabledHealthIndicator("loadbalancer")
	static class HealthConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "loadbalancerHealthIndicator")
		LoadBalancerHealthIndicator loadbalancerHealthIndicator(LoadBalancer loadBalancer) {
			return new LoadBalancerHealthIndicator(loadBalancer);
		}

	}

}
