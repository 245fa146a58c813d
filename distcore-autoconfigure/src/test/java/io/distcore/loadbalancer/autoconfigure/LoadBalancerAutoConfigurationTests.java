package io.distcore.loadbalancer.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import io.distcore.autoconfigure.ZooKeeperAutoConfiguration;
import io.distcore.loadbalancer.DefaultLoadBalancer;
import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.LoadBalancer;
import io.distcore.loadbalancer.RetryPolicy;
import io.distcore.loadbalancer.ServiceBalancer;
import io.distcore.loadbalancer.ServiceInstance;
import io.distcore.loadbalancer.health.PassiveHealthPolicy;
import io.distcore.loadbalancer.web.LoadBalanced;
import io.distcore.loadbalancer.web.LoadBalancedBeanPostProcessor;
import io.distcore.loadbalancer.web.LoadBalancerExchangeFilter;
import io.distcore.loadbalancer.web.LoadBalancerInterceptor;
import io.distcore.loadbalancer.zookeeper.ZooKeeperServiceDiscovery;
import io.distcore.test.TestServices;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class LoadBalancerAutoConfigurationTests {

	private static final String SERVICE = "distcore.loadbalancer.services.inventory-service.";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(ZooKeeperAutoConfiguration.class, LoadBalancerAutoConfiguration.class));

	@Test
	void defaultsGiveABalancerWithoutServicesAndTheHttpIntegrations() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasNotFailed()
				.hasSingleBean(DefaultLoadBalancer.class)
				.hasSingleBean(LoadBalancerInterceptor.class)
				.hasSingleBean(LoadBalancerExchangeFilter.class)
				.hasSingleBean(LoadBalancedBeanPostProcessor.class)
				.doesNotHaveBean(ZooKeeperServiceDiscovery.class);
			assertThat(context.getBean(LoadBalancer.class).serviceIds()).isEmpty();
		});
	}

	@Test
	void servicesAreBoundFromProperties() {
		this.contextRunner
			.withPropertyValues(SERVICE + "strategy=weighted-round-robin", SERVICE + "instances[0].url=http://localhost:8081",
					SERVICE + "instances[0].weight=5", SERVICE + "instances[1].url=http://localhost:8082",
					"distcore.loadbalancer.services.catalog.urls=http://10.0.0.1:80, http://10.0.0.2:80")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				LoadBalancer loadBalancer = context.getBean(LoadBalancer.class);
				assertThat(loadBalancer.serviceIds()).containsExactlyInAnyOrder("inventory-service", "catalog");
				assertThat(loadBalancer.service("inventory-service").endpoints()).extracting(Endpoint::instance)
					.extracting(ServiceInstance::weight)
					.containsExactly(5, 1);
				StringBuilder sequence = new StringBuilder();
				for (int i = 0; i < 6; i++) {
					sequence.append(loadBalancer.choose("inventory-service", null).uri().getPort() - 8080);
				}
				assertThat(sequence).hasToString("111211");
				assertThat(loadBalancer.service("catalog").endpoints()).hasSize(2);
			});
	}

	@Test
	void nonPositiveWeightFailsNamingTheProperty() {
		assertFailure("bad weight", SERVICE + "instances[1].weight",
				SERVICE + "instances[0].url=http://localhost:8081", SERVICE + "instances[1].url=http://localhost:8082",
				SERVICE + "instances[1].weight=0");
	}

	@Test
	void badUrlFailsNamingTheProperty() {
		assertFailure("bad url", SERVICE + "instances[0].url", SERVICE + "instances[0].url=localhost:8081");
		assertFailure("bad url", SERVICE + "urls[1]", SERVICE + "urls=http://localhost:8081,http://bad url");
	}

	@Test
	void serviceNameThatIsNoHostNameFailsNamingTheProperty() {
		assertFailure("bad name", "distcore.loadbalancer.services.inventory_service",
				"distcore.loadbalancer.services.inventory_service.urls=http://localhost:8081");
	}

	@Test
	void unknownStrategyFailsNamingTheProperty() {
		assertFailure("unknown strategy", SERVICE + "strategy", SERVICE + "strategy=fastest",
				SERVICE + "instances[0].url=http://localhost:8081");
	}

	@Test
	void serviceWithoutInstancesFailsNamingTheProperty() {
		assertFailure("no instances", SERVICE + "instances", SERVICE + "strategy=round-robin");
	}

	@Test
	void zooKeeperDiscoveryWithoutZooKeeperFailsNamingTheProperty() {
		assertFailure("no zookeeper", SERVICE + "discovery", SERVICE + "discovery=zookeeper");
	}

	@Test
	void badHealthAndRetrySettingsFailNamingTheProperty() {
		assertFailure("bad percent", "distcore.loadbalancer.health.max-ejection-percent",
				"distcore.loadbalancer.health.max-ejection-percent=150");
		assertFailure("bad retries", "distcore.loadbalancer.retry.max-retries", "distcore.loadbalancer.retry.max-retries=-1");
		assertFailure("bad factor", "distcore.loadbalancer.bounded-load-factor",
				"distcore.loadbalancer.bounded-load-factor=0.5");
	}

	@Test
	void serviceHealthAndRetryOverrideTheDefaultsKeyByKey() {
		this.contextRunner
			.withPropertyValues("distcore.loadbalancer.health.consecutive-failures=7",
					"distcore.loadbalancer.health.slow-start=20s", "distcore.loadbalancer.retry.max-retries=2",
					"distcore.loadbalancer.retry.backoff=50ms", SERVICE + "urls=http://localhost:8081",
					SERVICE + "health.consecutive-failures=2", SERVICE + "health.base-ejection-time=5s",
					SERVICE + "health.max-ejection-percent=100", SERVICE + "retry.max-retries=0",
					SERVICE + "retry.statuses=503", SERVICE + "retry.non-idempotent=true",
					SERVICE + "failure-statuses=500", "distcore.loadbalancer.services.catalog.urls=http://localhost:8082")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				LoadBalancer loadBalancer = context.getBean(LoadBalancer.class);
				ServiceBalancer inventory = loadBalancer.service("inventory-service");
				assertThat(inventory.health().policy()).isEqualTo(new PassiveHealthPolicy(2, Duration.ofSeconds(5),
						Duration.ofMinutes(5), 1.0, 0.5, Duration.ofSeconds(20), 0.1));
				assertThat(inventory.retryPolicy()).isEqualTo(new RetryPolicy(0, Duration.ofMillis(50), Set.of(503), true));
				assertThat(inventory.isFailureStatus(500)).isTrue();
				assertThat(inventory.isFailureStatus(503)).isFalse();
				ServiceBalancer catalog = loadBalancer.service("catalog");
				assertThat(catalog.health().policy()).isEqualTo(new PassiveHealthPolicy(7, Duration.ofSeconds(30),
						Duration.ofMinutes(5), 0.5, 0.5, Duration.ofSeconds(20), 0.1));
				assertThat(catalog.retryPolicy())
					.isEqualTo(new RetryPolicy(2, Duration.ofMillis(50), Set.of(502, 503, 504), false));
				assertThat(catalog.isFailureStatus(503)).isTrue();
			});
	}

	@Test
	void badServiceHealthAndRetrySettingsFailNamingTheServiceProperty() {
		assertFailure("bad percent", SERVICE + "health.max-ejection-percent", SERVICE + "urls=http://localhost:8081",
				SERVICE + "health.max-ejection-percent=150");
		assertFailure("inherited maximum below the base", SERVICE + "health.max-ejection-time",
				SERVICE + "urls=http://localhost:8081", SERVICE + "health.base-ejection-time=10m");
		assertFailure("bad retries", SERVICE + "retry.max-retries", SERVICE + "urls=http://localhost:8081",
				SERVICE + "retry.max-retries=-1");
		assertFailure("bad status", SERVICE + "retry.statuses", SERVICE + "urls=http://localhost:8081",
				SERVICE + "retry.statuses=42");
		assertFailure("bad failure status", SERVICE + "failure-statuses", SERVICE + "urls=http://localhost:8081",
				SERVICE + "failure-statuses=700");
	}

	@Test
	void ketamaHashMapsKeysAsLibketamaDoes() {
		String cache = "distcore.loadbalancer.services.cache.";
		this.contextRunner
			.withPropertyValues(cache + "strategy=consistent-hash", cache + "hash=ketama",
					cache + "instances[0].url=http://127.0.0.1:11211", cache + "instances[0].weight=600",
					cache + "instances[1].url=http://127.0.0.1:11212", cache + "instances[1].weight=400")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				// libketama's Python tests: "test" goes to 127.0.0.1:11211 with these weights.
				assertThat(context.getBean(LoadBalancer.class).choose("cache", "test").uri().getPort()).isEqualTo(11211);
			});
	}

	@Test
	void virtualNodesWithTheKetamaHashFailNamingTheProperty() {
		assertFailure("virtual nodes with ketama", SERVICE + "virtual-nodes", SERVICE + "urls=http://localhost:8081",
				SERVICE + "strategy=consistent-hash", SERVICE + "hash=ketama", SERVICE + "virtual-nodes=100");
		assertFailure("unknown hash", SERVICE + "hash", SERVICE + "urls=http://localhost:8081", SERVICE + "hash=crc32");
	}

	@Test
	void onlyBeansMarkedLoadBalancedAreDecorated() {
		this.contextRunner.withUserConfiguration(HttpClients.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(interceptors(context.getBean("balancedRestClientBuilder", RestClient.Builder.class)))
				.hasAtLeastOneElementOfType(LoadBalancerInterceptor.class);
			assertThat(interceptors(context.getBean("plainRestClientBuilder", RestClient.Builder.class)))
				.doesNotHaveAnyElementsOfTypes(LoadBalancerInterceptor.class);
			assertThat(context.getBean("balancedRestTemplate", RestTemplate.class).getInterceptors())
				.hasAtLeastOneElementOfType(LoadBalancerInterceptor.class);
			assertThat(context.getBean("plainRestTemplate", RestTemplate.class).getInterceptors()).isEmpty();
			assertThat(filters(context.getBean("balancedWebClientBuilder", WebClient.Builder.class)))
				.hasAtLeastOneElementOfType(LoadBalancerExchangeFilter.class);
			assertThat(filters(context.getBean("plainWebClientBuilder", WebClient.Builder.class))).isEmpty();
		});
	}

	@Test
	void backsOffWhenTheUserDefinesALoadBalancer() {
		this.contextRunner.withUserConfiguration(UserLoadBalancer.class)
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(LoadBalancer.class)
				.hasBean("myLoadBalancer")
				.doesNotHaveBean("distcoreLoadBalancer"));
	}

	@Test
	void noWebClientFilterWithoutWebFlux() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("org.springframework.web.reactive"))
			.withUserConfiguration(RestClientOnly.class)
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(LoadBalancerInterceptor.class)
				.doesNotHaveBean(LoadBalancerExchangeFilter.class)
				.hasSingleBean(RestClient.Builder.class));
	}

	@Test
	void worksWithoutCurator() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(CuratorFramework.class))
			.withPropertyValues(SERVICE + "urls=http://localhost:8081")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(DefaultLoadBalancer.class));
	}

	@Test
	void zooKeeperDiscoveryAndRegistrationWithACuratorFramework() {
		String basePath = "/distcore-lb-autoconfig/" + UUID.randomUUID();
		this.contextRunner
			.withPropertyValues("distcore.zookeeper.connect-string=" + TestServices.zookeeper().getConnectString(),
					"distcore.loadbalancer.zookeeper.base-path=" + basePath, SERVICE + "discovery=zookeeper",
					"distcore.loadbalancer.zookeeper.registration.enabled=true",
					"distcore.loadbalancer.zookeeper.registration.service-name=inventory-service",
					"distcore.loadbalancer.zookeeper.registration.url=http://10.1.2.3:8081")
			.run((context) -> {
				assertThat(context).hasNotFailed()
					.hasSingleBean(ZooKeeperServiceDiscovery.class)
					.hasSingleBean(ZooKeeperSelfRegistration.class);
				context.publishEvent(
						new ApplicationReadyEvent(new SpringApplication(), new String[0], context, Duration.ZERO));
				ServiceBalancer service = context.getBean(LoadBalancer.class).service("inventory-service");
				await().atMost(Duration.ofSeconds(20))
					.until(() -> service.endpoints().size() == 1);
				assertThat(service.choose(null).uri()).hasToString("http://10.1.2.3:8081");
			});
	}

	@Test
	void registrationWithoutAServiceNameFailsNamingTheProperty() {
		this.contextRunner
			.withPropertyValues("distcore.zookeeper.connect-string=" + TestServices.zookeeper().getConnectString(),
					"distcore.loadbalancer.zookeeper.registration.enabled=true")
			.run((context) -> assertThat(context).getFailure()
				.rootCause()
				.hasMessageContaining("distcore.loadbalancer.zookeeper.registration.service-name"));
	}

	private void assertFailure(String description, String property, String... properties) {
		this.contextRunner.withPropertyValues(properties)
			.run((context) -> assertThat(context).as(description).hasFailed().getFailure().satisfies((failure) -> {
				StringBuilder messages = new StringBuilder();
				for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
					messages.append(cause.getMessage()).append('\n');
				}
				assertThat(messages.toString()).as(description).contains(property);
			}));
	}

	private static List<ClientHttpRequestInterceptor> interceptors(RestClient.Builder builder) {
		List<ClientHttpRequestInterceptor> found = new ArrayList<>();
		builder.requestInterceptors(found::addAll);
		return found;
	}

	private static List<ExchangeFilterFunction> filters(WebClient.Builder builder) {
		List<ExchangeFilterFunction> found = new ArrayList<>();
		builder.filters(found::addAll);
		return found;
	}

	@Configuration(proxyBeanMethods = false)
	static class HttpClients {

		@Bean
		@LoadBalanced
		RestClient.Builder balancedRestClientBuilder() {
			return RestClient.builder();
		}

		@Bean
		RestClient.Builder plainRestClientBuilder() {
			return RestClient.builder();
		}

		@Bean
		@LoadBalanced
		RestTemplate balancedRestTemplate() {
			return new RestTemplate();
		}

		@Bean
		RestTemplate plainRestTemplate() {
			return new RestTemplate();
		}

		@Bean
		@LoadBalanced
		WebClient.Builder balancedWebClientBuilder() {
			return WebClient.builder();
		}

		@Bean
		WebClient.Builder plainWebClientBuilder() {
			return WebClient.builder();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class RestClientOnly {

		@Bean
		@LoadBalanced
		RestClient.Builder balancedRestClientBuilder() {
			return RestClient.builder();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserLoadBalancer {

		@Bean
		LoadBalancer myLoadBalancer() {
			return new DefaultLoadBalancer(Set.of());
		}

	}

}
