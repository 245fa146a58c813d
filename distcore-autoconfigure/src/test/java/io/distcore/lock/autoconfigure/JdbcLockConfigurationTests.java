package io.distcore.lock.autoconfigure;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.lock.LockRegistry;
import io.distcore.lock.NamedLock;
import io.distcore.lock.jdbc.JdbcLockBackend;
import io.distcore.lock.jdbc.JdbcLockPurger;
import io.distcore.lock.jdbc.LockTableMissingException;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.io.support.SpringFactoriesLoader;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Wiring of the JDBC lock backend by {@link LockAutoConfiguration}.
 */
@ExtendWith(OutputCaptureExtension.class)
class JdbcLockConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class, DataSourceAutoConfiguration.class,
				LockAutoConfiguration.class));

	private ApplicationContextRunner withH2() {
		return this.contextRunner.withPropertyValues(
				"spring.datasource.url=jdbc:h2:mem:lock-config-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");
	}

	@Test
	void anEmbeddedDataSourceGetsTheBackendAndBecomesTheDefaultItsTableComingWithTheFirstLock() {
		withH2().run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(JdbcLockBackend.class);
			DataSource dataSource = context.getBean(DataSource.class);
			assertThat(tableExists(dataSource, "DISTCORE_LOCK")).as("created at startup").isFalse();
			LockRegistry registry = context.getBean(LockRegistry.class);
			assertThat(registry.defaultBackend()).isEqualTo("jdbc");
			NamedLock lock = registry.getLock("config-" + UUID.randomUUID());
			assertThat(lock.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
			assertThat(lock.fencingToken()).isEqualTo(1);
			lock.unlock();
			assertThat(tableExists(dataSource, "DISTCORE_LOCK")).isTrue();
		});
	}

	@Test
	void initializeSchemaNeverLeavesTheDatabaseAloneAndTheFirstLockSaysWhatToDo() {
		withH2().withPropertyValues("distcore.lock.jdbc.initialize-schema=never").run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(JdbcLockBackend.class);
			NamedLock lock = context.getBean(LockRegistry.class).getLock("config-" + UUID.randomUUID());
			assertThatExceptionOfType(LockTableMissingException.class).isThrownBy(() -> lock.tryLock(Duration.ZERO))
				.satisfies((ex) -> assertThat(ex.table()).isEqualTo("distcore_lock"))
				.withMessageContaining("'distcore_lock'")
				.withMessageContaining("distcore.lock.jdbc.initialize-schema=always")
				.withMessageContaining("io/distcore/lock/jdbc/schema-h2.sql");
			assertThat(tableExists(context.getBean(DataSource.class), "DISTCORE_LOCK")).isFalse();
		});
	}

	@Test
	void onAServerDatabaseTheFirstLockFailsNamingTheTableAndTheProperties() {
		String table = uniqueTable();
		postgres().withPropertyValues("distcore.lock.jdbc.table-name=" + table).run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(JdbcLockBackend.class);
			NamedLock lock = context.getBean(LockRegistry.class).getLock("config-" + UUID.randomUUID());
			assertThatExceptionOfType(LockTableMissingException.class).isThrownBy(() -> lock.tryLock(Duration.ZERO))
				.satisfies((ex) -> {
					assertThat(ex.table()).isEqualTo(table);
					assertThat(ex.database()).startsWith("jdbc:postgresql://");
					assertThat(ex.createdAtFirstUse()).isFalse();
				})
				.withMessageContaining(table)
				.withMessageContaining("distcore.lock.jdbc.initialize-schema=always")
				.withMessageContaining("io/distcore/lock/jdbc/schema-postgresql.sql");
			assertThat(tableExists(context.getBean(DataSource.class), table)).isFalse();
		});
	}

	@Test
	void withInitializeSchemaAlwaysAServerDatabaseGetsItsTableAtTheFirstLockNotAtStartup() {
		String table = uniqueTable();
		postgres().withPropertyValues("distcore.lock.jdbc.table-name=" + table, "distcore.lock.jdbc.initialize-schema=always")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				DataSource dataSource = context.getBean(DataSource.class);
				try {
					assertThat(tableExists(dataSource, table)).as("created at startup").isFalse();
					NamedLock lock = context.getBean(LockRegistry.class).getLock("config-" + UUID.randomUUID());
					assertThat(lock.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
					lock.unlock();
					assertThat(tableExists(dataSource, table)).isTrue();
				}
				finally {
					new JdbcTemplate(dataSource).execute("DROP TABLE IF EXISTS " + table);
				}
			});
	}

	@Test
	void anExplicitJdbcBackendWhoseTableIsMissingAndNotCreatedFailsTheStartupWithAReport() {
		String table = uniqueTable();
		postgres().withPropertyValues("distcore.lock.backend=jdbc", "distcore.lock.jdbc.table-name=" + table)
			.run((context) -> {
				assertThat(context).hasFailed();
				FailureAnalysis analysis = analyze(context.getStartupFailure());
				assertThat(analysis).as("no analyzer in spring.factories reports the failure").isNotNull();
				assertThat(analysis.getDescription()).contains("'" + table + "'")
					.contains("jdbc:postgresql://")
					.contains("distcore.lock.backend=jdbc");
				assertThat(analysis.getAction()).contains("distcore.lock.jdbc.initialize-schema=always")
					.contains("io/distcore/lock/jdbc/schema-postgresql.sql")
					.contains("distcore.lock.jdbc.table-name")
					.contains("distcore.lock.backend")
					.contains("distcore.lock.enabled=false");
			});
	}

	@Test
	void anExplicitJdbcBackendStartsWhenItsTableWillBeCreatedAtTheFirstLock() {
		String table = uniqueTable();
		postgres()
			.withPropertyValues("distcore.lock.backend=JDBC", "distcore.lock.jdbc.table-name=" + table,
					"distcore.lock.jdbc.initialize-schema=always")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(tableExists(context.getBean(DataSource.class), table)).isFalse();
			});
	}

	@Test
	void anExplicitJdbcBackendWithItsTableStarts() {
		String table = uniqueTable();
		JdbcEndpoint postgres = TestServices.postgres();
		try (HikariDataSource admin = postgres.dataSource(1)) {
			new JdbcLockBackend(admin, table, Duration.ofMillis(10), Duration.ofMillis(200), Duration.ofSeconds(5))
				.createSchema();
			try {
				postgres().withPropertyValues("distcore.lock.backend=jdbc", "distcore.lock.jdbc.table-name=" + table)
					.run((context) -> assertThat(context).hasNotFailed());
			}
			finally {
				new JdbcTemplate(admin).execute("DROP TABLE IF EXISTS " + table);
			}
		}
	}

	@Test
	void anExplicitJdbcBackendStartsWithTheDatabaseDown(CapturedOutput output) throws IOException {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			closedPort = socket.getLocalPort();
		}
		this.contextRunner
			.withPropertyValues("spring.datasource.url=jdbc:postgresql://127.0.0.1:" + closedPort + "/test",
					"spring.datasource.hikari.connection-timeout=2000", "distcore.lock.backend=jdbc")
			.run((context) -> assertThat(context).hasNotFailed());
		assertThat(output).contains("Could not check lock table 'distcore_lock'");
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
	void thePurgeThreadStartsWithTheFirstLockUnlessTheIntervalIsZero() {
		withH2().run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(JdbcLockPurger.class).isRunning()).isTrue();
			assertThat(purgeThreads()).as("started with the application").isEmpty();
			NamedLock lock = context.getBean(LockRegistry.class).getLock("config-" + UUID.randomUUID());
			assertThat(lock.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
			lock.unlock();
			assertThat(purgeThreads()).hasSize(1);
		});
		assertThat(purgeThreads()).as("left after close").isEmpty();
		withH2().withPropertyValues("distcore.lock.jdbc.purge-interval=0").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context.getBean(JdbcLockPurger.class).isRunning()).isFalse();
			NamedLock lock = context.getBean(LockRegistry.class).getLock("config-" + UUID.randomUUID());
			assertThat(lock.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
			lock.unlock();
			assertThat(purgeThreads()).isEmpty();
		});
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

	private ApplicationContextRunner postgres() {
		JdbcEndpoint postgres = TestServices.postgres();
		return this.contextRunner.withPropertyValues("spring.datasource.url=" + postgres.url(),
				"spring.datasource.username=" + postgres.username(),
				"spring.datasource.password=" + postgres.password());
	}

	private static String uniqueTable() {
		return "distcore_lock_cfg_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
	}

	/** As Boot reports a startup failure: the analyzers of every spring.factories, the first that answers. */
	private static FailureAnalysis analyze(Throwable failure) {
		List<FailureAnalyzer> analyzers = SpringFactoriesLoader.forDefaultResourceLocation()
			.load(FailureAnalyzer.class, SpringFactoriesLoader.FailureHandler.handleMessage((message, ex) -> {
			}));
		for (FailureAnalyzer analyzer : analyzers) {
			FailureAnalysis analysis = analyzer.analyze(failure);
			if (analysis != null) {
				return analysis;
			}
		}
		return null;
	}

	/** Joined, so a thread that is shutting down does not count: it ends with its context. */
	private static List<Thread> purgeThreads() {
		List<Thread> threads = new ArrayList<>();
		for (Thread thread : Thread.getAllStackTraces().keySet()) {
			if (thread.getName().equals("distcore-lock-purge")) {
				try {
					thread.join(5_000);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				if (thread.isAlive()) {
					threads.add(thread);
				}
			}
		}
		return threads;
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
