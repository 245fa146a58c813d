package io.distcore.loadbalancer.autoconfigure;

import io.distcore.loadbalancer.LoadBalancer;
import io.distcore.loadbalancer.actuate.LoadBalancerEndpoint;
import io.distcore.loadbalancer.actuate.LoadBalancerHealthIndicator;

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
 * Actuator endpoint and health indicator for the load balancer.
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
