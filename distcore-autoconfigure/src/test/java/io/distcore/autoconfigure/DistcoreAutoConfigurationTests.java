package io.distcore.autoconfigure;

import io.distcore.support.InstanceId;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class DistcoreAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class));

	@Test
	void loadsWithNoPropertiesAndGeneratesAnInstanceId() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(InstanceId.class);
			assertThat(context.getBean(InstanceId.class).value()).contains("-" + ProcessHandle.current().pid() + "-");
		});
	}

	@Test
	void everyContextGetsItsOwnInstanceId() {
		this.contextRunner.run((first) -> this.contextRunner.run((second) -> assertThat(first.getBean(InstanceId.class))
			.isNotEqualTo(second.getBean(InstanceId.class))));
	}

	@Test
	void configuredInstanceIdIsUsed() {
		this.contextRunner.withPropertyValues("distcore.instance-id=order-1")
			.run((context) -> assertThat(context.getBean(InstanceId.class).value()).isEqualTo("order-1"));
	}

	@Test
	void invalidInstanceIdFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("distcore.instance-id=a:b").run((context) -> assertThat(context)
			.getFailure()
			.rootCause()
			.hasMessageContaining("':'"));
		this.contextRunner.withPropertyValues("distcore.instance-id=a:b")
			.run((context) -> assertThat(context.getStartupFailure()).hasStackTraceContaining("distcore.instance-id"));
	}

	@Test
	void backsOffWhenTheUserDefinesAnInstanceId() {
		this.contextRunner.withUserConfiguration(UserInstanceId.class)
			.run((context) -> assertThat(context.getBean(InstanceId.class).value()).isEqualTo("mine"));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserInstanceId {

		@Bean
		InstanceId myInstanceId() {
			return new InstanceId("mine");
		}

	}

}
