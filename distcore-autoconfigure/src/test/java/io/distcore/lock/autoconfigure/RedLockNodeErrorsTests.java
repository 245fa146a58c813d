package io.distcore.lock.autoconfigure;

import java.util.List;
import java.util.UUID;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.lock.redlock.RedLockBackend;
import io.distcore.test.Http;
import io.distcore.test.RedisEndpoint;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.autoconfigure.context.properties.ConfigurationPropertiesReportEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.jackson.JacksonEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.env.EnvironmentEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.web.server.ManagementContextAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a person sees of the RedLock nodes: credentials in their URLs never, nodes that do not answer at startup
 * in one WARN.
 */
@ExtendWith(OutputCaptureExtension.class)
class RedLockNodeErrorsTests {

	private static final String PASSWORD = "pw-" + UUID.randomUUID();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class, LockAutoConfiguration.class));

	@Test
	void actuatorMasksThePasswordsOfTheNodesEvenWhenItShowsValues() {
		String[] nodes = TestServices.redlockNodes()
			.stream()
			.limit(3)
			.map((node) -> "redis://alice:" + PASSWORD + "@" + node.host() + ":" + node.port())
			.toArray(String[]::new);
		for (String form : List.of("list", "indexed")) {
			List<String> nodeProperties = form.equals("list")
					? List.of("distcore.lock.redlock.nodes=" + String.join(",", nodes))
					: List.of("distcore.lock.redlock.nodes[0]=" + nodes[0], "distcore.lock.redlock.nodes[1]=" + nodes[1],
							"distcore.lock.redlock.nodes[2]=" + nodes[2]);
			SpringApplicationBuilder app = new SpringApplicationBuilder(ActuatorApp.class).web(WebApplicationType.SERVLET)
				.properties("server.port=0", "server.address=127.0.0.1", "management.endpoints.web.exposure.include=*",
						"management.endpoint.configprops.show-values=always", "management.endpoint.env.show-values=always")
				.properties(nodeProperties.toArray(String[]::new));
			try (ConfigurableApplicationContext context = app.run()) {
				String base = "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port");
				Http.Response configprops = Http.get(base + "/actuator/configprops/distcore.lock");
				Http.Response env = Http.get(base + "/actuator/env");
				Http.Response nodesEntry = Http.get(base + "/actuator/env/" + (form.equals("list")
						? "distcore.lock.redlock.nodes" : "distcore.lock.redlock.nodes%5B0%5D"));
				assertThat(configprops.status()).isEqualTo(200);
				assertThat(env.status()).isEqualTo(200);
				assertThat(nodesEntry.status()).isEqualTo(200);
				// Values are shown, so the mask is distcore's, and the rest of each URL stays readable.
				assertThat(configprops.body()).as(form).contains("redis://alice:******@").doesNotContain(PASSWORD);
				assertThat(env.body()).as(form).contains("redis://alice:******@").doesNotContain(PASSWORD);
				assertThat(nodesEntry.body()).as(form).contains("redis://alice:******@").doesNotContain(PASSWORD);
			}
		}
	}

	@Test
	void aNodeThatDoesNotParseFailsWithoutShowingItsPassword() {
		this.contextRunner
			.withPropertyValues("distcore.lock.redlock.nodes=redis://127.0.0.1:6380,redis://alice:" + PASSWORD
					+ " x@127.0.0.1:6381,redis://127.0.0.1:6382")
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("distcore.lock.redlock.nodes[1]")
				.satisfies((failure) -> assertThat(stackTrace(failure)).doesNotContain(PASSWORD)));
	}

	@Test
	void nodesThatDoNotAnswerAtStartupWarnOnceWithoutTheirPasswords(CapturedOutput output) {
		List<RedisEndpoint> live = TestServices.redlockNodes();
		int dead = TestServices.unusedPort();
		this.contextRunner
			.withPropertyValues("distcore.lock.redlock.nodes=" + live.get(0).uri() + "," + live.get(1).uri()
					+ ",redis://alice:" + PASSWORD + "@127.0.0.1:" + dead)
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(RedLockBackend.class));
		List<String> warnings = output.getAll()
			.lines()
			.filter((line) -> line.contains(" WARN ") && line.contains("distcore.lock.redlock.nodes"))
			.toList();
		assertThat(warnings).hasSize(1);
		assertThat(warnings.get(0)).contains("2 of 3").contains("not answering: 127.0.0.1:" + dead + ")")
			.contains("locks work while a majority of 2 answers");
		assertThat(output.getAll()).doesNotContain(PASSWORD);
	}

	@Test
	void nodesThatAllAnswerDoNotWarn(CapturedOutput output) {
		List<RedisEndpoint> live = TestServices.redlockNodes();
		this.contextRunner
			.withPropertyValues("distcore.lock.redlock.nodes=" + live.get(0).uri() + "," + live.get(1).uri() + ","
					+ live.get(2).uri())
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(RedLockBackend.class));
		assertThat(output.getAll()).doesNotContain("distcore.lock.redlock.nodes");
	}

	private static String stackTrace(Throwable failure) {
		StringBuilder text = new StringBuilder();
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			text.append(cause).append('\n');
		}
		return text.toString();
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ TomcatServletWebServerAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
			WebMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class, JacksonAutoConfiguration.class,
			EndpointAutoConfiguration.class, JacksonEndpointAutoConfiguration.class, WebEndpointAutoConfiguration.class,
			ManagementContextAutoConfiguration.class, ConfigurationPropertiesReportEndpointAutoConfiguration.class,
			EnvironmentEndpointAutoConfiguration.class, DistcoreAutoConfiguration.class, LockAutoConfiguration.class })
	static class ActuatorApp {

	}

}
