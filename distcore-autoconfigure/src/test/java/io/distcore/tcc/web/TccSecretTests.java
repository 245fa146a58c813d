package io.distcore.tcc.web;

import java.util.ArrayList;
import java.util.List;

import io.distcore.tcc.TccAction;
import io.distcore.tcc.TccContext;
import io.distcore.tcc.TccTransaction;
import io.distcore.tcc.autoconfigure.TccAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.actuate.autoconfigure.context.properties.ConfigurationPropertiesReportEndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.env.EnvironmentEndpointAutoConfiguration;
import org.springframework.boot.actuate.context.properties.ConfigurationPropertiesReportEndpoint;
import org.springframework.boot.actuate.env.EnvironmentEndpoint;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.TaskDecorator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The secret at startup: required only by an application with a TCC method, reported without its value, and
 * masked in actuator output.
 */
@ExtendWith(OutputCaptureExtension.class)
class TccSecretTests {

	private static final String SHORT_SECRET = "short-secret-" + Long.toHexString(System.nanoTime());

	@Test
	void applicationWithATccActionDoesNotStartWithoutASecret(CapturedOutput output) {
		assertThatExceptionOfType(TccSecretException.class).isThrownBy(() -> run(ActionApp.class))
			.satisfies((ex) -> {
				assertThat(ex.getName()).isEqualTo("distcore.tcc.security.secret");
				assertThat(ex.getMessage()).contains("inventoryAction");
			});
		assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
			.contains("distcore.tcc.security.secret")
			.contains("distcore.tcc.security.insecure-development=true");
	}

	@Test
	void applicationWithATccTransactionDoesNotStartWithAShortSecretAndTheReportDoesNotShowIt(CapturedOutput output) {
		assertThatExceptionOfType(TccSecretException.class)
			.isThrownBy(() -> run(TransactionApp.class, "distcore.tcc.security.secret=" + SHORT_SECRET))
			.satisfies((ex) -> assertThat(ex.getMessage()).doesNotContain(SHORT_SECRET)
				.contains(SHORT_SECRET.length() + " characters"));
		// Boot's own analyzer would print the value it finds in the environment.
		assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
			.contains("Invalid value '******' for configuration property 'distcore.tcc.security.secret'")
			.doesNotContain(SHORT_SECRET);
	}

	@Test
	void applicationWithoutTccMethodsStartsWithoutASecret(CapturedOutput output) {
		try (ConfigurableApplicationContext context = run(PlainApp.class)) {
			assertThat(context.getBean(TccSigner.class)).hasToString("TccSigner[unusable]");
		}
		assertThat(output.getAll()).doesNotContain("insecure-development");
	}

	@Test
	void insecureDevelopmentStartsWithoutASecretAndWarnsOnce(CapturedOutput output) {
		try (ConfigurableApplicationContext context = run(ActionApp.class,
				"distcore.tcc.security.insecure-development=true")) {
			assertThat(context.getBean(TccSigner.class).sign("x", "1", io.distcore.tcc.Phase.TRY,
					TccSigner.Target.of("POST", "/", null, new byte[0]))).isNotNull();
		}
		assertThat(output.getAll().lines().filter((line) -> line.contains(" WARN ")
				&& line.contains("distcore.tcc.security.insecure-development=true"))).hasSize(1);
	}

	@Test
	void insecureDevelopmentAcceptsAShortSecretWithoutShowingIt(CapturedOutput output) {
		try (ConfigurableApplicationContext context = run(ActionApp.class,
				"distcore.tcc.security.insecure-development=true", "distcore.tcc.security.secret=" + SHORT_SECRET)) {
			assertThat(context.getBean(TccSigner.class).toString()).doesNotContain(SHORT_SECRET);
		}
		assertThat(output.getAll()).contains("short secret").doesNotContain(SHORT_SECRET);
	}

	@Test
	void actuatorMasksTheSecretEvenWhenItShowsValues() {
		String secret = TccTestApps.newSecret();
		for (String show : List.of("never", "always")) {
			try (ConfigurableApplicationContext context = run(ActuatorApp.class, "distcore.tcc.security.secret=" + secret,
					"distcore.tcc.security.max-clock-skew=17s", "management.endpoints.web.exposure.include=*",
					"management.endpoint.configprops.show-values=" + show,
					"management.endpoint.env.show-values=" + show)) {
				StringBuilder configprops = new StringBuilder();
				context.getBean(ConfigurationPropertiesReportEndpoint.class)
					.configurationPropertiesWithPrefix("distcore.tcc")
					.getContexts()
					.values()
					.forEach((descriptor) -> descriptor.getBeans()
						.values()
						.forEach((bean) -> configprops.append(bean.getProperties()).append(bean.getInputs())));
				List<Object> env = new ArrayList<>();
				context.getBean(EnvironmentEndpoint.class)
					.environmentEntry("distcore.tcc.security.secret")
					.getPropertySources()
					.forEach((source) -> env.add((source.getProperty() != null) ? source.getProperty().getValue() : null));
				assertThat(configprops).as(show).contains("secret").doesNotContain(secret);
				assertThat(env).as(show).isNotEmpty().doesNotContain(secret);
				if (show.equals("always")) {
					// Values are shown, so the mask is ours, not Boot's default.
					assertThat(configprops).contains("17s");
					assertThat(env).contains("******");
				}
			}
		}
	}

	@Test
	void taskDecoratorStandsBackForTheApplicationsOwn() {
		ApplicationContextRunner runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(TccAutoConfiguration.class));
		runner.run((context) -> assertThat(context).getBean(TaskDecorator.class).isInstanceOf(TccTaskDecorator.class));
		runner.withBean("ownDecorator", TaskDecorator.class, () -> (runnable) -> runnable)
			.run((context) -> assertThat(context).doesNotHaveBean(TccTaskDecorator.class)
				.hasSingleBean(TaskDecorator.class));
	}

	private static ConfigurableApplicationContext run(Class<?> app, String... properties) {
		return new SpringApplicationBuilder(app).web(WebApplicationType.NONE).properties(properties).run();
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration(TccAutoConfiguration.class)
	static class PlainApp {

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ TccAutoConfiguration.class, EndpointAutoConfiguration.class,
			ConfigurationPropertiesReportEndpointAutoConfiguration.class, EnvironmentEndpointAutoConfiguration.class })
	static class ActuatorApp {

	}

	// A participant needs a database for its barrier: an embedded H2.
	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ DataSourceAutoConfiguration.class, DataSourceTransactionManagerAutoConfiguration.class,
			TccAutoConfiguration.class })
	static class ActionApp {

		@Bean
		InventoryAction inventoryAction() {
			return new InventoryAction();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration(TccAutoConfiguration.class)
	static class TransactionApp {

		@Bean
		OrderService orderService() {
			return new OrderService();
		}

	}

	static class InventoryAction {

		@TccAction(confirmMethod = "confirm", cancelMethod = "cancel")
		public void reserve(String sku) {
		}

		public void confirm(TccContext context) {
		}

		public void cancel(TccContext context) {
		}

	}

	static class OrderService {

		@TccTransaction
		public void place() {
		}

	}

}
