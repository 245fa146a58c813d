package io.distcore.loadbalancer.actuate;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import com.jayway.jsonpath.JsonPath;
import io.distcore.loadbalancer.Exchange;
import io.distcore.loadbalancer.LoadBalancer;
import io.distcore.loadbalancer.ServiceBalancer;
import io.distcore.loadbalancer.ServiceInstance;
import io.distcore.test.Http;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code loadbalancer} endpoint and health over real HTTP: a web application on a random port with two
 * load-balanced services, whose instances fail through the balancer until passive health ejects them.
 */
class LoadBalancerEndpointTests {

	@Test
	void showsEveryInstanceAndItsEjectionAndTurnsHealthDegradedWhenAServiceHasNoneLeft() {
		try (ConfigurableApplicationContext context = start()) {
			String base = actuator(context);
			Http.Response all = Http.get(base + "/loadbalancer");
			assertThat(all.status()).isEqualTo(200);
			assertThat(all.body()).doesNotContain("s3cret");
			List<String> urls = JsonPath.read(all.body(), "$.inventory.instances[*].url");
			assertThat(urls).containsExactly("http://127.0.0.1:9/", "http://127.0.0.1:10/");
			assertThat((List<Integer>) JsonPath.read(all.body(), "$.inventory.instances[*].weight")).containsExactly(3, 1);
			assertThat((List<Boolean>) JsonPath.read(all.body(), "$.inventory.instances[*].ejected"))
				.containsExactly(false, false);
			assertThat((Integer) JsonPath.read(all.body(), "$.payments.ejected")).isZero();
			assertThat((String) JsonPath.read(Http.get(base + "/health/loadbalancer").body(), "$.status"))
				.isEqualTo("UP");

			ServiceBalancer inventory = context.getBean(LoadBalancer.class).service("inventory");
			for (int i = 0; i < 4; i++) {
				Exchange exchange = inventory.start(null, Set.of());
				exchange.failed();
			}

			Http.Response one = Http.get(base + "/loadbalancer/inventory");
			assertThat(one.status()).isEqualTo(200);
			assertThat((Integer) JsonPath.read(one.body(), "$.ejected")).isEqualTo(2);
			assertThat((List<Boolean>) JsonPath.read(one.body(), "$.instances[*].ejected")).containsExactly(true, true);
			for (String left : (List<String>) JsonPath.read(one.body(), "$.instances[*].ejectionLeft")) {
				assertThat(Duration.parse(left)).isPositive().isLessThanOrEqualTo(Duration.ofMinutes(10));
			}
			Http.Response health = Http.get(base + "/health/loadbalancer");
			assertThat((String) JsonPath.read(health.body(), "$.status")).isEqualTo("DEGRADED");
			assertThat((Integer) JsonPath.read(health.body(), "$.details.services.inventory.ejected")).isEqualTo(2);
			// A status outside Boot's order: the application itself stays UP.
			assertThat((String) JsonPath.read(Http.get(base + "/health").body(), "$.status")).isEqualTo("UP");

			assertThat(Http.get(base + "/loadbalancer/nothing-by-that-name").status()).isEqualTo(404);
		}
	}

	@Test
	void picksRetriesAndEjectionsAreCountedPerInstance() {
		try (ConfigurableApplicationContext context = start()) {
			// Boot's metrics auto-configuration binds every MeterBinder bean; this test has none of it.
			MeterRegistry meters = new SimpleMeterRegistry();
			context.getBean(LoadBalancerMetrics.class).bindTo(meters);
			ServiceBalancer inventory = context.getBean(LoadBalancer.class).service("inventory");
			Exchange first = inventory.start(null, Set.of());
			first.failed();
			Exchange retry = inventory.start(null, Set.of(first.instance()));
			retry.failed();
			String firstUrl = LoadBalancerEndpoint.withoutUserInfo(first.instance().uri());
			String retryUrl = LoadBalancerEndpoint.withoutUserInfo(retry.instance().uri());
			assertThat(firstUrl).isNotEqualTo(retryUrl).doesNotContain("s3cret");
			assertThat(meters.get("distcore.loadbalancer.choices")
				.tags("service", "inventory", "instance", firstUrl, "retry", "false")
				.counter()
				.count()).isEqualTo(1);
			assertThat(meters.get("distcore.loadbalancer.choices")
				.tags("service", "inventory", "instance", retryUrl, "retry", "true")
				.counter()
				.count()).isEqualTo(1);
			// One failure in a row ejects (consecutive-failures=1): both instances are out, each counted once.
			assertThat(meters.get("distcore.loadbalancer.ejections").tags("service", "inventory").counters())
				.hasSize(2)
				.allSatisfy((counter) -> assertThat(counter.count()).isEqualTo(1));
			assertThat(meters.find("distcore.loadbalancer.ejections").tags("service", "payments").counter()).isNull();
		}
	}

	@Test
	void anInstanceUrlWithCredentialsIsShownWithout() {
		assertThat(LoadBalancerEndpoint.withoutUserInfo(new ServiceInstance("s", "http://u:s3cret@h:81/p", 1).uri()))
			.isEqualTo("http://h:81/p");
	}

	@Test
	void theEndpointAndTheIndicatorCanBeSwitchedOff() {
		try (ConfigurableApplicationContext context = start("management.endpoint.loadbalancer.access=none",
				"management.health.loadbalancer.enabled=false")) {
			assertThat(Http.get(actuator(context) + "/loadbalancer").status()).isEqualTo(404);
			assertThat(Http.get(actuator(context) + "/health/loadbalancer").status()).isEqualTo(404);
			assertThat(context.getBeanNamesForType(LoadBalancerEndpoint.class)).isEmpty();
		}
	}

	private ConfigurableApplicationContext start(String... properties) {
		return new SpringApplicationBuilder(App.class).web(WebApplicationType.SERVLET)
			.properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
					"distcore.lock.backend=local", "distcore.tcc.enabled=false",
					"distcore.loadbalancer.services.inventory.instances[0].url=http://127.0.0.1:9/",
					"distcore.loadbalancer.services.inventory.instances[0].weight=3",
					"distcore.loadbalancer.services.inventory.instances[1].url=http://u:s3cret@127.0.0.1:10/",
					"distcore.loadbalancer.services.inventory.instances[1].weight=1",
					"distcore.loadbalancer.services.payments.urls=http://127.0.0.1:11/",
					"distcore.loadbalancer.health.consecutive-failures=1",
					"distcore.loadbalancer.health.max-ejection-percent=100",
					"management.endpoints.web.exposure.include=*", "management.endpoint.health.show-details=always")
			.properties(properties)
			.run();
	}

	private static String actuator(ConfigurableApplicationContext context) {
		return "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port") + "/actuator";
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

	}

}
