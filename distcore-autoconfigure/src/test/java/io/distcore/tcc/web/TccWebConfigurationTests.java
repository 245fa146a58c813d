package io.distcore.tcc.web;

import io.distcore.loadbalancer.autoconfigure.LoadBalancerAutoConfiguration;
import io.distcore.tcc.autoconfigure.TccAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.context.runner.WebApplicationContextRunner;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;

class TccWebConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LoadBalancerAutoConfiguration.class, TccAutoConfiguration.class));

	@Test
	void withoutAWebServerThereIsNoFilterButTheClientSideAndTransport() {
		this.runner.run((context) -> assertThat(context).hasNotFailed()
			.doesNotHaveBean(FilterRegistrationBean.class)
			.hasSingleBean(TccSigner.class)
			.hasSingleBean(TccClientInterceptor.class)
			.hasSingleBean(TccExchangeFilter.class)
			.hasSingleBean(HttpBranchTransport.class)
			.hasSingleBean(TccTaskDecorator.class)
			.hasSingleBean(SanitizingFunction.class));
	}

	@Test
	void aServletApplicationGetsTheFilterAndTheMvcHandler() {
		new WebApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LoadBalancerAutoConfiguration.class, TccAutoConfiguration.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(FilterRegistrationBean.class)
				.hasSingleBean(TccTryRefusedHandler.class)
				.getBean(FilterRegistrationBean.class)
				.extracting(FilterRegistrationBean::getFilter)
				.isInstanceOf(TccServletFilter.class));
	}

	@Test
	void aMaxBodySizeOutOfBoundsFailsNamingTheProperty() {
		for (String size : new String[] { "-1B", "257MB" }) {
			this.runner.withPropertyValues("distcore.tcc.security.max-body-size=" + size)
				.run((context) -> assertThat(context).hasFailed()
					.getFailure()
					.rootCause()
					.hasMessageContaining("distcore.tcc.security.max-body-size")
					.hasMessageContaining("must be between 0B and 256MB"));
		}
	}

	@Test
	void startsWithoutWebFluxOrSpringsHttpClients() {
		this.runner.withClassLoader(new FilteredClassLoader(WebClient.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(TccExchangeFilter.class)
				.hasSingleBean(TccClientInterceptor.class));
		this.runner.withClassLoader(new FilteredClassLoader(RestClient.class, WebClient.class))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(TccClientInterceptor.class)
				.doesNotHaveBean(HttpBranchTransport.class)
				.hasSingleBean(TccSigner.class));
	}

	@Test
	void startsWithoutActuator() {
		this.runner.withClassLoader(new FilteredClassLoader(SanitizingFunction.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SanitizingFunction.class));
	}

	@Test
	void backsOffForTheApplicationsSigner() {
		TccSigner own = TccSigner.of(TccTestApps.newSecret(), java.time.Duration.ofSeconds(30),
				java.time.Clock.systemUTC());
		this.runner.withBean(TccSigner.class, () -> own)
			.run((context) -> assertThat(context).hasNotFailed().getBean(TccSigner.class).isSameAs(own));
	}

	@Test
	void disabledTccHasNoWebBeans() {
		this.runner.withPropertyValues("distcore.tcc.enabled=false")
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(TccSigner.class)
				.doesNotHaveBean(TccTaskDecorator.class));
	}

}
