package io.distcore.lock.web;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.lock.DistributedLock;
import io.distcore.lock.LockAcquisitionException;
import io.distcore.lock.LockRegistry;
import io.distcore.lock.NamedLock;
import io.distcore.lock.autoconfigure.LockAutoConfiguration;
import io.distcore.lock.autoconfigure.LockWebAutoConfiguration;
import io.distcore.test.Http;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.servlet.DispatcherServlet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A lock wait that runs out in a web request answers 409, a lock backend that is down 503, both as problem+json
 * over a real server, unless the application answers those exceptions itself or switches the answer off.
 */
class LockProblemDetailsTests {

	@Test
	void waitThatRunsOutAnswers409NamingTheLock() {
		String sku = "sku-" + UUID.randomUUID();
		withApp((context) -> {
			NamedLock held = context.getBean(LockRegistry.class).getLock("stock:" + sku, "local");
			held.lock(Duration.ofMinutes(1));
			try {
				Http.Response response = Http.get(url(context, "/stock/" + sku));
				assertThat(response.status()).isEqualTo(409);
				assertThat(response.contentType()).startsWith("application/problem+json");
				assertThat(response.body()).contains("\"status\":409").contains("stock:" + sku)
					.contains("\"lock\":\"stock:" + sku + "\"");
			}
			finally {
				held.unlock();
			}
		});
	}

	@Test
	void backendDownAnswers503WithoutItsAddress() {
		int deadPort = TestServices.unusedPort();
		withApp((context) -> {
			Http.Response response = Http.get(url(context, "/redis-stock/A1"));
			assertThat(response.status()).isEqualTo(503);
			assertThat(response.contentType()).startsWith("application/problem+json");
			assertThat(response.body()).contains("\"status\":503").doesNotContain(Integer.toString(deadPort));
		}, "spring.data.redis.host=127.0.0.1", "spring.data.redis.port=" + deadPort,
				"spring.data.redis.timeout=500ms", "spring.data.redis.connect-timeout=500ms");
	}

	@Test
	void unorderedApplicationAdviceWins() {
		assertApplicationAnswers(UnorderedAdvice.class);
	}

	@Test
	void orderedApplicationAdviceWins() {
		assertApplicationAnswers(OrderedAdvice.class);
	}

	@Test
	void catchAllApplicationAdviceWins() {
		assertApplicationAnswers(CatchAllAdvice.class);
	}

	/** Registered after every bean definition, so after distcore's beans whatever their order. */
	@Test
	void lowestPrecedenceAdviceRegisteredLastWins() {
		String sku = "sku-" + UUID.randomUUID();
		withLateAdvice((context) -> assertHeldAnswers(context, sku, 423));
	}

	@Test
	void switchedOffLeavesTheExceptionToSpringMvc() {
		String sku = "sku-" + UUID.randomUUID();
		withApp((context) -> assertHeldAnswers(context, sku, 500), "distcore.lock.web.problem-details.enabled=false");
	}

	@Test
	void onlyInAServletApplicationWithSpringMvc() {
		AutoConfigurations configurations = AutoConfigurations.of(DispatcherServletAutoConfiguration.class,
				WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
				DistcoreAutoConfiguration.class, LockAutoConfiguration.class, LockWebAutoConfiguration.class);
		WebApplicationContextRunner web = new WebApplicationContextRunner().withConfiguration(configurations);
		web.run((context) -> assertThat(context).hasSingleBean(LockProblemDetailsExceptionResolver.class));
		web.withClassLoader(new FilteredClassLoader(DispatcherServlet.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(LockProblemDetailsExceptionResolver.class));
		new ApplicationContextRunner().withConfiguration(configurations)
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(LockProblemDetailsExceptionResolver.class));
	}

	private void assertApplicationAnswers(Class<?> advice) {
		String sku = "sku-" + UUID.randomUUID();
		try (ConfigurableApplicationContext context = start(new Class<?>[] { App.class, advice })) {
			assertHeldAnswers(context, sku, 423);
		}
	}

	private static void assertHeldAnswers(ConfigurableApplicationContext context, String sku, int status) {
		NamedLock held = context.getBean(LockRegistry.class).getLock("stock:" + sku, "local");
		held.lock(Duration.ofMinutes(1));
		try {
			Http.Response response = Http.get(url(context, "/stock/" + sku));
			assertThat(response.status()).isEqualTo(status);
			if (status == 423) {
				assertThat(response.body()).isEqualTo("application: stock:" + sku);
			}
		}
		finally {
			held.unlock();
		}
	}

	private static void withLateAdvice(Consumer<ConfigurableApplicationContext> test) {
		try (ConfigurableApplicationContext context = new SpringApplicationBuilder(App.class)
			.web(WebApplicationType.SERVLET)
			.properties("server.port=0", "server.address=127.0.0.1")
			.initializers((ctx) -> ctx.getBeanFactory().registerSingleton("lateAdvice", new LateAdvice()))
			.run()) {
			test.accept(context);
		}
	}

	private static void withApp(Consumer<ConfigurableApplicationContext> test, String... properties) {
		try (ConfigurableApplicationContext context = start(new Class<?>[] { App.class }, properties)) {
			test.accept(context);
		}
	}

	private static ConfigurableApplicationContext start(Class<?>[] sources, String... properties) {
		List<String> all = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1"));
		all.addAll(List.of(properties));
		return new SpringApplicationBuilder(sources).web(WebApplicationType.SERVLET)
			.properties(all.toArray(String[]::new))
			.run();
	}

	private static String url(ConfigurableApplicationContext context, String path) {
		return "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port") + path;
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ TomcatServletWebServerAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
			WebMvcAutoConfiguration.class, ErrorMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
			JacksonAutoConfiguration.class, AopAutoConfiguration.class, DataRedisAutoConfiguration.class,
			DistcoreAutoConfiguration.class, LockAutoConfiguration.class, LockWebAutoConfiguration.class })
	@Import(StockController.class)
	static class App {

	}

	@RestController
	static class StockController {

		@GetMapping("/stock/{sku}")
		@DistributedLock(prefix = "stock", key = "#sku", backend = "local", waitTime = "100ms")
		public String stock(@PathVariable String sku) {
			return "ran";
		}

		@GetMapping("/redis-stock/{sku}")
		@DistributedLock(prefix = "stock", key = "#sku", backend = "redis", waitTime = "1s")
		public String redisStock(@PathVariable String sku) {
			return "ran";
		}

	}

	static ResponseEntity<String> applicationAnswer(LockAcquisitionException ex) {
		return ResponseEntity.status(HttpStatus.LOCKED).body("application: " + ex.getLockName());
	}

	@RestControllerAdvice
	static class UnorderedAdvice {

		@ExceptionHandler(LockAcquisitionException.class)
		ResponseEntity<String> lockNotAcquired(LockAcquisitionException ex) {
			return applicationAnswer(ex);
		}

	}

	@RestControllerAdvice
	@Order(10)
	static class OrderedAdvice {

		@ExceptionHandler(LockAcquisitionException.class)
		ResponseEntity<String> lockNotAcquired(LockAcquisitionException ex) {
			return applicationAnswer(ex);
		}

	}

	@RestControllerAdvice
	static class CatchAllAdvice {

		@ExceptionHandler(Exception.class)
		ResponseEntity<String> anything(Exception ex) {
			return applicationAnswer((LockAcquisitionException) ex);
		}

	}

	@RestControllerAdvice
	@Order(Ordered.LOWEST_PRECEDENCE)
	static class LateAdvice {

		@ExceptionHandler(LockAcquisitionException.class)
		ResponseEntity<String> lockNotAcquired(LockAcquisitionException ex) {
			return applicationAnswer(ex);
		}

	}

}
