package io.distcore.tcc.autoconfigure;

import java.time.Clock;
import java.time.Duration;
import java.util.UUID;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.tcc.actuate.TccAdminEndpoint;
import io.distcore.tcc.actuate.TccEndpoint;
import io.distcore.tcc.actuate.TccHealthIndicator;
import io.distcore.tcc.actuate.TccMetrics;
import io.distcore.tcc.coordinator.TccCoordinator;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.distcore.tcc.coordinator.JdbcTccLogStore;
import org.junit.jupiter.api.Test;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.actuate.autoconfigure.endpoint.web.WebEndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Wiring of the TCC endpoints and health indicator: when they back off, the write endpoint's access, and bad
 * health properties.
 */
class TccActuateAutoConfigurationTests {

	private final String prefix = "tcc" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";

	private final ApplicationContextRunner withoutDatabase = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, DistcoreAutoConfiguration.class,
				TccAutoConfiguration.class, TccActuateAutoConfiguration.class, EndpointAutoConfiguration.class,
				WebEndpointAutoConfiguration.class))
		.withPropertyValues("distcore.tcc.security.insecure-development=true",
				"management.endpoints.web.exposure.include=*");

	private final ApplicationContextRunner runner = this.withoutDatabase
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
		.withPropertyValues("spring.datasource.url=jdbc:h2:mem:" + this.prefix + ";DB_CLOSE_DELAY=-1",
				"distcore.tcc.table-prefix=" + this.prefix);

	@Test
	void backsOffWithoutTheCoordinator() {
		this.withoutDatabase.run((context) -> assertThat(context).hasNotFailed()
			.doesNotHaveBean(TccEndpoint.class)
			.doesNotHaveBean(TccHealthIndicator.class));
	}

	@Test
	void readEndpointAndHealthByDefaultWriteEndpointOnlyWithAccess() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(TccEndpoint.class)
			.hasSingleBean(TccHealthIndicator.class)
			.doesNotHaveBean(TccAdminEndpoint.class));
		// Enum constants as written: the runner has no ApplicationConversionService for "unrestricted".
		this.runner.withPropertyValues("management.endpoint.tccadmin.access=UNRESTRICTED")
			.run((context) -> assertThat(context).hasSingleBean(TccAdminEndpoint.class));
		this.runner.withPropertyValues("management.health.tcc.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(TccHealthIndicator.class));
	}

	@Test
	void backsOffWithoutActuatorOrHealthClasses() {
		this.runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.actuate.endpoint.web"))
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(TccEndpoint.class)
				.hasSingleBean(TccHealthIndicator.class));
		this.runner.withClassLoader(new FilteredClassLoader("org.springframework.boot.health.contributor"))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(TccEndpoint.class)
				.doesNotHaveBean(TccHealthIndicator.class));
	}

	@Test
	void backsOffForTheApplicationsOwnBeans() {
		this.runner.withBean("tccHealthIndicator", TccHealthIndicator.class,
				() -> new TccHealthIndicator(new JdbcTccLogStore(new SimpleDriverDataSource(), "own_", Duration.ofSeconds(1),
						() -> false), Clock.systemUTC(), Duration.ofMinutes(1), Status.DOWN, Duration.ofSeconds(1)))
			.run((context) -> assertThat(context.getBean(TccHealthIndicator.class))
				.isSameAs(context.getBean("tccHealthIndicator")));
	}

	@Test
	void badHealthPropertiesFailNamingTheProperty() {
		this.runner.withPropertyValues("distcore.tcc.health.stuck-after=0s").run((context) -> assertThat(context)
			.getFailure()
			.rootCause()
			.isInstanceOf(InvalidConfigurationPropertyValueException.class)
			.hasMessageContaining("distcore.tcc.health.stuck-after"));
		this.runner.withPropertyValues("distcore.tcc.health.status= ").run((context) -> assertThat(context)
			.getFailure()
			.rootCause()
			.hasMessageContaining("distcore.tcc.health.status"));
	}

	@Test
	void metricsListenToTheCoordinatorWithMicrometer() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(TccMetrics.class);
			MeterRegistry registry = new SimpleMeterRegistry();
			context.getBean(TccMetrics.class).bindTo(registry);
			context.getBean(TccCoordinator.class).execute("wired", Duration.ofSeconds(10), () -> "done");
			assertThat(registry.get("distcore.tcc.transactions").tags("name", "wired", "outcome", "confirmed")
				.counter()
				.count()).isEqualTo(1);
		});
	}

	@Test
	void noMetricsWithoutMicrometer() {
		this.runner.withClassLoader(new FilteredClassLoader("io.micrometer"))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(TccCoordinator.class)
				.doesNotHaveBean(TccMetrics.class));
	}

}
