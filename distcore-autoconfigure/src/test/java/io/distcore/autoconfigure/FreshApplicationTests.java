package io.distcore.autoconfigure;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.id.IdGenerator;
import io.distcore.lock.LockBackendUnavailableException;
import io.distcore.lock.LockRegistry;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.actuate.autoconfigure.endpoint.EndpointAutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.context.annotation.ImportCandidates;
import org.springframework.boot.health.actuate.endpoint.HealthDescriptor;
import org.springframework.boot.health.actuate.endpoint.HealthEndpoint;
import org.springframework.boot.health.actuate.endpoint.IndicatedHealthDescriptor;
import org.springframework.boot.health.autoconfigure.actuate.endpoint.HealthEndpointAutoConfiguration;
import org.springframework.boot.health.autoconfigure.contributor.HealthContributorAutoConfiguration;
import org.springframework.boot.health.autoconfigure.registry.HealthContributorRegistryAutoConfiguration;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What adding the starter does to an application that has nothing but a DataSource and sets no distcore
 * property: it starts as before, touches no database and starts no thread until a capability is used, is healthy,
 * and starts with its database down just as it does without distcore (issue 11, "Nothing happens until it is used").
 */
class FreshApplicationTests {

	private final JdbcEndpoint postgres = TestServices.postgres();

	/** Every table distcore could create lands here, so that tables of concurrent tests never count. */
	private final String schema = "distcore_fresh_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);

	private HikariDataSource admin;

	@BeforeEach
	void createSchema() {
		this.admin = this.postgres.dataSource(2);
		new JdbcTemplate(this.admin).execute("CREATE SCHEMA " + this.schema);
	}

	@AfterEach
	void dropSchema() {
		try {
			new JdbcTemplate(this.admin).execute("DROP SCHEMA " + this.schema + " CASCADE");
		}
		finally {
			this.admin.close();
		}
	}

	@Test
	void onPostgreSqlItStartsWritingNothingStartingNoThreadAndIsHealthy() {
		Set<Thread> before = distcoreThreads();
		withPostgres().run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(LockRegistry.class).hasSingleBean(IdGenerator.class);
			assertThat(context.getBean(HikariDataSource.class).isRunning())
				.as("the pool opened a connection during startup").isFalse();
			assertThat(newThreads(before)).as("threads distcore started at startup").isEmpty();
			assertThat(tablesInSchema()).isEmpty();
			HealthDescriptor locks = context.getBean(HealthEndpoint.class).healthForPath("locks");
			assertThat(locks).isNotNull();
			assertThat(locks.getStatus()).as(details(locks).toString()).isEqualTo(Status.UP);
			assertThat(tablesInSchema()).as("a health check created a table").isEmpty();
		});
	}

	@Test
	void withTheDatabaseDownItStartsAsItDoesWithoutDistcore() throws IOException {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			closedPort = socket.getLocalPort();
		}
		String url = "spring.datasource.url=jdbc:postgresql://127.0.0.1:" + closedPort + "/test";
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
			.withPropertyValues(url, "spring.datasource.hikari.connection-timeout=2000")
			.run((context) -> assertThat(context).hasNotFailed());
		Set<Thread> before = distcoreThreads();
		withDistcore().withPropertyValues(url, "spring.datasource.hikari.connection-timeout=2000").run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(LockRegistry.class);
			assertThat(newThreads(before)).isEmpty();
			LockRegistry registry = context.getBean(LockRegistry.class);
			assertThat(registry.defaultBackend()).isEqualTo("jdbc");
			assertThatExceptionOfType(LockBackendUnavailableException.class)
				.isThrownBy(() -> registry.getLock("fresh-" + UUID.randomUUID()).tryLock(Duration.ZERO));
			assertThat(context.getBean(HealthEndpoint.class).healthForPath("locks").getStatus())
				.isEqualTo(Status.DOWN);
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "lock", "id", "loadbalancer", "tcc" })
	void enabledFalseSwitchesACapabilityOffEntirely(String capability) {
		withPostgres().withPropertyValues("distcore." + capability + ".enabled=false").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(beanTypesIn(context, "io.distcore." + capability + ".")).isEmpty();
			for (String other : List.of("lock", "id", "loadbalancer", "tcc")) {
				if (!other.equals(capability)) {
					assertThat(beanTypesIn(context, "io.distcore." + other + ".")).as(other).isNotEmpty();
				}
			}
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "lock", "id", "loadbalancer", "tcc" })
	void enabledIsDescribedInTheConfigurationMetadata(String capability) throws IOException {
		String name = "distcore." + capability + ".enabled";
		JsonNode property = null;
		try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
			assertThat(in).isNotNull();
			for (JsonNode candidate : JsonMapper.builder().build().readTree(in).get("properties")) {
				if (name.equals(candidate.get("name").asString())) {
					property = candidate;
				}
			}
		}
		assertThat(property).as(name).isNotNull();
		assertThat(property.get("type").asString()).isEqualTo("java.lang.Boolean");
		assertThat(property.get("defaultValue").asBoolean()).isTrue();
		assertThat(property.get("description").asString()).startsWith("Whether");
	}

	private ApplicationContextRunner withDistcore() {
		List<String> distcore = ImportCandidates.load(AutoConfiguration.class, getClass().getClassLoader())
			.getCandidates()
			.stream()
			.filter((name) -> name.startsWith("io.distcore."))
			.toList();
		assertThat(distcore).isNotEmpty();
		return new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class, EndpointAutoConfiguration.class,
					HealthContributorAutoConfiguration.class, HealthContributorRegistryAutoConfiguration.class,
					HealthEndpointAutoConfiguration.class))
			.withConfiguration(AutoConfigurations.of(distcore.stream().map(FreshApplicationTests::load).toArray(Class[]::new)))
			.withPropertyValues("management.endpoint.health.show-details=always");
	}

	private ApplicationContextRunner withPostgres() {
		String separator = this.postgres.url().contains("?") ? "&" : "?";
		return withDistcore().withPropertyValues(
				"spring.datasource.url=" + this.postgres.url() + separator + "currentSchema=" + this.schema,
				"spring.datasource.username=" + this.postgres.username(),
				"spring.datasource.password=" + this.postgres.password());
	}

	private List<String> tablesInSchema() {
		return new JdbcTemplate(this.admin).queryForList(
				"SELECT table_name FROM information_schema.tables WHERE table_schema = ?", String.class, this.schema);
	}

	private static Set<String> beanTypesIn(AssertableApplicationContext context, String packagePrefix) {
		Set<String> types = new HashSet<>();
		for (String name : context.getBeanDefinitionNames()) {
			Class<?> type = context.getType(name);
			if (type != null && type.getName().startsWith(packagePrefix)) {
				types.add(type.getName());
			}
		}
		return types;
	}

	private static Map<String, Object> details(HealthDescriptor health) {
		return (health instanceof IndicatedHealthDescriptor indicated) ? indicated.getDetails() : Map.of();
	}

	private static Set<Thread> distcoreThreads() {
		Set<Thread> threads = new HashSet<>();
		for (Thread thread : Thread.getAllStackTraces().keySet()) {
			if (thread.getName().contains("distcore")) {
				threads.add(thread);
			}
		}
		return threads;
	}

	private static List<String> newThreads(Set<Thread> before) {
		return distcoreThreads().stream().filter((thread) -> !before.contains(thread)).map(Thread::getName).toList();
	}

	private static Class<?> load(String name) {
		try {
			return Class.forName(name, false, FreshApplicationTests.class.getClassLoader());
		}
		catch (ClassNotFoundException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
