package io.distcore.loadbalancer.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

import io.distcore.autoconfigure.ZooKeeperProperties;
import io.distcore.loadbalancer.DefaultLoadBalancer;
import io.distcore.loadbalancer.LoadBalancer;
import io.distcore.loadbalancer.ServiceBalancer;
import io.distcore.loadbalancer.autoconfigure.LoadBalancerProperties.Discovery;
import io.distcore.loadbalancer.web.LoadBalancedBeanPostProcessor;
import io.distcore.loadbalancer.web.LoadBalancerExchangeFilter;
import io.distcore.loadbalancer.web.LoadBalancerInterceptor;
import io.distcore.loadbalancer.zookeeper.ZooKeeperServiceDiscovery;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.curator.framework.CuratorFramework;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The client-side load balancer: a {@link LoadBalancer} over the services of {@code distcore.loadbalancer.services},
 * installed into {@code @LoadBalanced} HTTP client beans, with ZooKeeper discovery and self-registration when a
 * {@link CuratorFramework} is configured.
 */
@AutoConfiguration(afterName = "io.distcore.autoconfigure.ZooKeeperAutoConfiguration")
@ConditionalOnBooleanProperty(name = "distcore.loadbalancer.enabled", matchIfMissing = true)
@EnableConfigurationProperties(LoadBalancerProperties.class)
public final class LoadBalancerAutoConfiguration {

	private static final Log logger = LogFactory.getLog(LoadBalancerAutoConfiguration.class);

	@Bean
	@ConditionalOnMissingBean(LoadBalancer.class)
	DefaultLoadBalancer distcoreLoadBalancer(LoadBalancerProperties properties, ListableBeanFactory beanFactory) {
		List<ServiceBalancer> services = ServiceBalancers.create(properties, hasCurator(beanFactory));
		if (!services.isEmpty()) {
			logger.info("Load balancing " + services.stream()
				.map((service) -> service.serviceId() + " ("
						+ properties.getServices().get(service.serviceId()).getDiscovery().name().toLowerCase(Locale.ROOT) + ")")
				.toList());
		}
		return new DefaultLoadBalancer(services);
	}

	private static boolean hasCurator(ListableBeanFactory beanFactory) {
		String type = "org.apache.curator.framework.CuratorFramework";
		ClassLoader classLoader = LoadBalancerAutoConfiguration.class.getClassLoader();
		return ClassUtils.isPresent(type, classLoader)
				&& beanFactory.getBeanNamesForType(ClassUtils.resolveClassName(type, classLoader)).length > 0;
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(RestClient.class)
	static class HttpClientConfiguration {

		@Bean
		@ConditionalOnMissingBean
		LoadBalancerInterceptor distcoreLoadBalancerInterceptor(LoadBalancer loadBalancer,
				LoadBalancerProperties properties) {
			return new LoadBalancerInterceptor(loadBalancer, properties.getHashHeader());
		}

		@Bean
		static LoadBalancedBeanPostProcessor distcoreLoadBalancedBeanPostProcessor(
				ObjectProvider<LoadBalancerInterceptor> interceptor) {
			return new LoadBalancedBeanPostProcessor(interceptor);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(WebClient.class)
	static class WebClientConfiguration {

		@Bean
		@ConditionalOnMissingBean
		LoadBalancerExchangeFilter distcoreLoadBalancerExchangeFilter(LoadBalancer loadBalancer,
				LoadBalancerProperties properties) {
			return new LoadBalancerExchangeFilter(loadBalancer, properties.getHashHeader());
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(CuratorFramework.class)
	@ConditionalOnBean(CuratorFramework.class)
	static class ZooKeeperConfiguration {

		@Bean(initMethod = "start", destroyMethod = "close")
		@ConditionalOnMissingBean
		ZooKeeperServiceDiscovery distcoreServiceDiscovery(CuratorFramework client, LoadBalancer loadBalancer,
				LoadBalancerProperties properties, ZooKeeperProperties zooKeeper) {
			List<ServiceBalancer> services = properties.getServices()
				.entrySet()
				.stream()
				.filter((entry) -> entry.getValue().getDiscovery() == Discovery.ZOOKEEPER)
				.map((entry) -> loadBalancer.service(entry.getKey()))
				.filter(Objects::nonNull)
				.toList();
			Duration initialWait = zooKeeper.getConnectionTimeout();
			return new ZooKeeperServiceDiscovery(client, properties.getZookeeper().getBasePath(), services, initialWait);
		}

		@Bean
		@ConditionalOnBooleanProperty("distcore.loadbalancer.zookeeper.registration.enabled")
		ZooKeeperSelfRegistration distcoreZooKeeperSelfRegistration(CuratorFramework client,
				LoadBalancerProperties properties, Environment environment) {
			return new ZooKeeperSelfRegistration(client, properties.getZookeeper(), environment);
		}

	}

}
