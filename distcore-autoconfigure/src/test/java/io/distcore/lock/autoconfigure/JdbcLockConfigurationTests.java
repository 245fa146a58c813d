package io.distcore.lock.autoconfigure;

import java.time.Duration;
import java.util.UUID;

import javax.sql.DataSource;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.lock.LockRegistry;
import io.distcore.lock.NamedLock;
import io.distcore.lock.jdbc.JdbcLockBackend;
import io.distcore.lock.jdbc.JdbcLockPurger;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Wiring of the JDBC lock backend by {@link LockAutoConfiguration}.
 */
class JdbcLockConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class, DataSourceAutoConfiguration.class,
				LockAutoConfiguration.class));

	private ApplicationContextRunner withH2() {
		return this.contextRunner.withPropertyValues(
				"spring.datasource.url=jdbc:h2:mem:lock-config-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
	}

	@Test
	void anEmbeddedDataSourceGetsTheBackendItsTableAndBecomesTheDefault() {
		withH2().run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(JdbcLockBackend.class);
			assertThat(tableExists(context.getBean(DataSource.class), "DISTCORE_LOCK")).isTrue();
			LockRegistry registry = context.getBean(LockRegistry.class);
			assertThat(registry.defaultBackend()).isEqualTo("jdbc");
			NamedLock lock = registry.getLock("config-" + UUID.randomUUID());
			assertThat(lock.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
			assertThat(lock.fencingToken()).isEqualTo(1);
			lock.unlock();
		});
	}

	@Test
	void initializeSchemaNeverLeavesTheDatabaseAlone() {
		withH2().withPropertyValues("distcore.lock.jdbc.initialize-schema=never").run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(JdbcLockBackend.class);
			assertThat(tableExists(context.getBean(DataSource.class), "DISTCORE_LOCK")).isFalse();
		});
	}

	@Test
	void aServerDatabaseGetsItsTableOnlyWithInitializeSchemaAlways() {
		JdbcEndpoint postgres = TestServices.postgres();
		String table = "distcore_lock_cfg_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		ApplicationContextRunner runner = this.contextRunner.withPropertyValues(
				"spring.datasource.url=" + postgres.url(), "spring.datasource.username=" + postgres.username(),
				"spring.datasource.password=" + postgres.password(), "distcore.lock.jdbc.table-name=" + table);
		runner.run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(JdbcLockBackend.class);
			assertThat(tableExists(context.getBean(DataSource.class), table)).isFalse();
		});
		runner.withPropertyValues("distcore.lock.jdbc.initialize-schema=always").run((context) -> {
			assertThat(context).hasNotFailed();
			DataSource dataSource = context.getBean(DataSource.class);
			try {
				assertThat(tableExists(dataSource, table)).isTrue();
			}
			finally {
				new JdbcTemplate(dataSource).execute("DROP TABLE IF EXISTS " + table);
			}
		});
	}

	@Test
	void anUnsafeTableNameFailsNamingTheProperty() {
		withH2().withPropertyValues("distcore.lock.jdbc.table-name=locks;drop").run((context) -> assertThat(context)
			.getFailure()
			.hasStackTraceContaining("distcore.lock.jdbc.table-name")
			.hasStackTraceContaining("locks;drop"));
	}

	@Test
	void pollIntervalsOutOfOrderFailNamingTheProperties() {
		withH2()
			.withPropertyValues("distcore.lock.jdbc.poll-min-interval=500ms",
					"distcore.lock.jdbc.poll-max-interval=100ms")
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("distcore.lock.jdbc.poll-max-interval")
				.hasStackTraceContaining("distcore.lock.jdbc.poll-min-interval"));
		withH2().withPropertyValues("distcore.lock.jdbc.query-timeout=100ms")
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("distcore.lock.jdbc.query-timeout"));
	}

	@Test
	void rowsOfReleasedLocksArePurgedInTheBackgroundUnlessTheIntervalIsZero() {
		withH2().run((context) -> assertThat(context).hasNotFailed()
			.getBean(JdbcLockPurger.class)
			.satisfies((purger) -> assertThat(purger.isRunning()).isTrue()));
		withH2().withPropertyValues("distcore.lock.jdbc.purge-interval=0")
			.run((context) -> assertThat(context).hasNotFailed()
				.getBean(JdbcLockPurger.class)
				.satisfies((purger) -> assertThat(purger.isRunning()).isFalse()));
	}

	@Test
	void badPurgeSettingsFailNamingTheProperty() {
		withH2().withPropertyValues("distcore.lock.jdbc.purge-interval=-1m")
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("distcore.lock.jdbc.purge-interval"));
		withH2().withPropertyValues("distcore.lock.jdbc.purge-retention=-1h")
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("distcore.lock.jdbc.purge-retention"));
		withH2().withPropertyValues("distcore.lock.jdbc.purge-batch-size=0")
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("distcore.lock.jdbc.purge-batch-size"));
	}

	@Test
	void noDataSourceNoBackend() {
		// Without DataSourceAutoConfiguration, which would start an embedded H2 from the test class path.
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class, LockAutoConfiguration.class))
			.run((context) -> assertThat(context).hasNotFailed()
			.doesNotHaveBean(JdbcLockBackend.class)
			.hasSingleBean(LockRegistry.class));
	}

	@Test
	void withoutSpringJdbcNoBackend() {
		withH2().withClassLoader(new FilteredClassLoader(JdbcTemplate.class))
			.run((context) -> assertThat(context).doesNotHaveBean(JdbcLockBackend.class));
	}

	@Test
	void backsOffWhenTheUserDefinesTheBackend() {
		withH2().withUserConfiguration(UserBackend.class).run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(JdbcLockBackend.class);
			assertThat(context.getBean(JdbcLockBackend.class)).isSameAs(context.getBean("myLocks"));
			assertThat(tableExists(context.getBean(DataSource.class), "DISTCORE_LOCK")).isFalse();
		});
	}

	private static boolean tableExists(DataSource dataSource, String table) {
		Integer count = new JdbcTemplate(dataSource).queryForObject(
				"SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE LOWER(TABLE_NAME) = LOWER(?)", Integer.class,
				table);
		return count != null && count > 0;
	}

	@Configuration(proxyBeanMethods = false)
	static class UserBackend {

		@Bean
		JdbcLockBackend myLocks(DataSource dataSource) {
			return new JdbcLockBackend(dataSource, "my_locks", Duration.ofMillis(10), Duration.ofMillis(100),
					Duration.ofSeconds(2));
		}

	}

}
