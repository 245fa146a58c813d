package io.distcore.id.autoconfigure;

import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.autoconfigure.ZooKeeperAutoConfiguration;
import io.distcore.id.IdGenerationException;
import io.distcore.id.IdGenerator;
import io.distcore.id.lease.LeasedWorkerId;
import io.distcore.id.lease.WorkerIdLeaseException;
import io.distcore.id.lease.jdbc.JdbcWorkerIdStore;
import io.distcore.id.snowflake.SnowflakeId;
import io.distcore.id.snowflake.SnowflakeIdGenerator;
import io.distcore.id.snowflake.WorkerIdLease;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import static io.distcore.support.InvalidProperty.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Which worker identity the snowflake generator gets: fixed, leased from the detected or configured backend, or
 * none; and the startup failures that name the property to fix.
 */
class WorkerIdLeaseConfigurationTests {

	private final String keyPrefix = "distcore-test:" + UUID.randomUUID() + ":worker:";

	private final String redisHost = "spring.data.redis.host=" + TestServices.redis().host();

	private final String redisPort = "spring.data.redis.port=" + TestServices.redis().port();

	private final String zookeeper = "distcore.zookeeper.connect-string=" + TestServices.zookeeper().getConnectString();

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class, DataRedisAutoConfiguration.class,
				DataSourceAutoConfiguration.class, ZooKeeperAutoConfiguration.class, IdAutoConfiguration.class))
		.withPropertyValues("distcore.id.snowflake.lease.key-prefix=" + this.keyPrefix,
				"distcore.id.snowflake.lease.path=/distcore-test/workers-" + UUID.randomUUID(),
				"distcore.id.snowflake.lease.ttl=3s", "distcore.id.snowflake.lease.heartbeat=500ms");

	@AfterEach
	void deleteKeys() {
		LettuceConnectionFactory factory = TestServices.redis().connectionFactory();
		StringRedisTemplate redis = new StringRedisTemplate(factory);
		redis.delete(redis.keys(this.keyPrefix + "*"));
		factory.destroy();
	}

	@Test
	void redisComesFirstWhenItIsConfigured() {
		this.contextRunner.withPropertyValues(this.redisHost, this.redisPort, this.zookeeper)
			.run((context) -> assertLeasedFrom(context.getBean(LeasedWorkerId.class), "redis",
					context.getBean(IdGenerator.class)));
	}

	@Test
	void zooKeeperComesNextWhenRedisIsNotConfigured() {
		this.contextRunner.withPropertyValues(this.zookeeper)
			.run((context) -> assertLeasedFrom(context.getBean(LeasedWorkerId.class), "zookeeper",
					context.getBean(IdGenerator.class)));
	}

	@Test
	void theDatabaseComesLast() {
		this.contextRunner.run((context) -> assertLeasedFrom(context.getBean(LeasedWorkerId.class), "jdbc",
				context.getBean(IdGenerator.class)));
	}

	@Test
	void redisIsSkippedWithoutSpringDataRedis() {
		this.contextRunner.withPropertyValues(this.redisHost, this.redisPort)
			.withClassLoader(new FilteredClassLoader(RedisConnectionFactory.class))
			.run((context) -> assertThat(context.getBean(LeasedWorkerId.class).backend()).isEqualTo("jdbc"));
	}

	@Test
	void theConfiguredBackendWinsOverDetection() {
		this.contextRunner.withPropertyValues(this.redisHost, this.redisPort, this.zookeeper,
				"distcore.id.snowflake.lease.backend=jdbc")
			.run((context) -> assertThat(context.getBean(LeasedWorkerId.class).backend()).isEqualTo("jdbc"));
	}

	@Test
	void aConfiguredBackendThatIsNotAvailableFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("distcore.id.snowflake.lease.backend=zookeeper")
			.run((context) -> assertInvalid(context.getStartupFailure(), "distcore.id.snowflake.lease.backend")
				.hasMessageContaining("not available"));
	}

	@Test
	void anUnknownBackendFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("distcore.id.snowflake.lease.backend=etcd")
			.run((context) -> assertInvalid(context.getStartupFailure(), "distcore.id.snowflake.lease.backend")
				.hasMessageContaining("must be one of redis, zookeeper, jdbc"));
	}

	@Test
	void aHeartbeatTooCloseToTheTtlFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("distcore.id.snowflake.lease.heartbeat=2s")
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("distcore.id.snowflake.lease.heartbeat"));
	}

	@Test
	void withoutAnyBackendIdsFailWithAMessageSayingWhatToConfigure() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class, IdAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean(WorkerIdLease.class);
				assertThatExceptionOfType(IdGenerationException.class)
					.isThrownBy(() -> context.getBean(IdGenerator.class).nextId())
					.withMessageContaining("distcore.id.snowflake.worker-id");
			});
	}

	@Test
	void withoutALeaseTableTheContextStartsAndTheFirstIdLeasesOnceTheTableExists() {
		JdbcEndpoint postgres = TestServices.postgres();
		String table = "lazy_lease_" + UUID.randomUUID().toString().replace("-", "");
		Set<Thread> heartbeatsBefore = heartbeatThreads();
		try (HikariDataSource pool = postgres.dataSource(2)) {
			JdbcTemplate jdbc = new JdbcTemplate(pool);
			try {
				this.contextRunner
					.withPropertyValues("spring.datasource.url=" + postgres.url(),
							"spring.datasource.username=" + postgres.username(),
							"spring.datasource.password=" + postgres.password(),
							"distcore.id.snowflake.lease.table-name=" + table)
					.run((context) -> {
						assertThat(context).hasNotFailed();
						assertThat(heartbeatThreads()).as("heartbeat threads started at startup")
							.isEqualTo(heartbeatsBefore);
						IdGenerator ids = context.getBean(IdGenerator.class);
						assertThatExceptionOfType(WorkerIdLeaseException.class).isThrownBy(ids::nextId)
							.withMessageContaining(table)
							.withMessageContaining("distcore.id.jdbc.initialize-schema=always")
							.withMessageContaining("distcore.id.snowflake.worker-id");
						new JdbcWorkerIdStore(pool, table).createSchema();
						assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM " + table, Integer.class)).isZero();
						// Calls within one heartbeat of a failed claim fail with its cause; the next one claims.
						Thread.sleep(500);
						SnowflakeId id = ((SnowflakeIdGenerator) ids).layout().decode(ids.nextId());
						LeasedWorkerId lease = context.getBean(LeasedWorkerId.class);
						assertThat(id.datacenterId() << 5 | id.workerId()).isEqualTo(lease.slot());
						assertThat(jdbc.queryForObject("SELECT COUNT(*) FROM " + table + " WHERE owner IS NOT NULL",
								Integer.class)).isOne();
						assertThat(heartbeatThreads()).hasSize(heartbeatsBefore.size() + 1);
					});
			}
			finally {
				jdbc.execute("DROP TABLE IF EXISTS " + table);
			}
		}
	}

	/**
	 * The README: "a store that cannot be reached fails the first id instead of the startup"; with
	 * initialize-schema=always the table is created at the first claim, so a database that is down at startup
	 * fails nothing until an id is asked for.
	 */
	@Test
	void aDatabaseThatIsDownAtStartupDoesNotFailTheStartupOfAnApplicationThatNeverAsksForAnId() {
		this.contextRunner
			.withPropertyValues("spring.datasource.url=jdbc:postgresql://127.0.0.1:1/test",
					"spring.datasource.username=postgres", "spring.datasource.hikari.connection-timeout=1000",
					"distcore.id.jdbc.initialize-schema=always")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThatExceptionOfType(WorkerIdLeaseException.class)
					.isThrownBy(() -> context.getBean(IdGenerator.class).nextId())
					.withMessageContaining("Could not reach the database");
			});
	}

	/** The default initialize-schema=embedded: the lease table comes with the first id, not with the startup. */
	@Test
	void anEmbeddedDatabaseGetsNoLeaseTableBeforeTheFirstId() {
		String database = "lease_" + UUID.randomUUID().toString().replace("-", "");
		this.contextRunner.withPropertyValues("spring.datasource.url=jdbc:h2:mem:" + database + ";DB_CLOSE_DELAY=-1")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				JdbcTemplate jdbc = new JdbcTemplate(context.getBean(DataSource.class));
				String count = "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES "
						+ "WHERE TABLE_NAME = 'DISTCORE_WORKER_LEASE'";
				assertThat(jdbc.queryForObject(count, Integer.class)).as("lease tables before any id").isZero();
				context.getBean(IdGenerator.class).nextId();
				assertThat(jdbc.queryForObject(count, Integer.class)).as("lease tables after the first id").isOne();
			});
	}

	@Test
	void noSlotIsClaimedBeforeTheFirstId() {
		this.contextRunner.withPropertyValues(this.redisHost, this.redisPort).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(keys()).isEmpty();
			context.getBean(IdGenerator.class).nextId();
			assertThat(keys()).containsExactly(this.keyPrefix + context.getBean(LeasedWorkerId.class).slot());
		});
	}

	@Test
	void aFixedIdIsUsedWithoutALease() {
		this.contextRunner
			.withPropertyValues(this.redisHost, this.redisPort, "distcore.id.snowflake.worker-id=3",
					"distcore.id.snowflake.datacenter-id=2")
			.run((context) -> {
				assertThat(context).doesNotHaveBean(LeasedWorkerId.class);
				SnowflakeIdGenerator generator = context.getBean(SnowflakeIdGenerator.class);
				SnowflakeId id = generator.layout().decode(generator.nextId());
				assertThat(id.datacenterId()).isEqualTo(2);
				assertThat(id.workerId()).isEqualTo(3);
			});
	}

	@Test
	void aFixedWorkerIdOutOfRangeFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("distcore.id.snowflake.worker-id=32")
			.run((context) -> assertInvalid(context.getStartupFailure(), "distcore.id.snowflake.worker-id")
				.hasMessageContaining("must be between 0 and 31"));
	}

	@Test
	void aFixedDatacenterIdOutOfRangeFailsNamingTheProperty() {
		this.contextRunner
			.withPropertyValues("distcore.id.snowflake.worker-id=1", "distcore.id.snowflake.datacenter-id=-1")
			.run((context) -> assertInvalid(context.getStartupFailure(), "distcore.id.snowflake.datacenter-id")
				.hasMessageContaining("must be between 0 and 31"));
	}

	@Test
	void backsOffForAUserLease() {
		this.contextRunner.withUserConfiguration(UserLease.class).run((context) -> {
			assertThat(context).doesNotHaveBean(LeasedWorkerId.class);
			assertThat(context.getBean(WorkerIdLease.class)).isSameAs(context.getBean("myLease"));
		});
	}

	@Test
	void noLeaseForAnotherGenerator() {
		this.contextRunner.withPropertyValues("distcore.id.generator=redis")
			.run((context) -> assertThat(context).doesNotHaveBean(WorkerIdLease.class));
	}

	@Test
	void theLeaseIsReleasedAtShutdown() {
		String[] key = new String[1];
		this.contextRunner.withPropertyValues(this.redisHost, this.redisPort).run((context) -> {
			context.getBean(IdGenerator.class).nextId();
			key[0] = this.keyPrefix + context.getBean(LeasedWorkerId.class).slot();
			assertThat(exists(key[0])).isTrue();
		});
		assertThat(exists(key[0])).isFalse();
	}

	private Set<String> keys() {
		LettuceConnectionFactory factory = TestServices.redis().connectionFactory();
		try {
			return new StringRedisTemplate(factory).keys(this.keyPrefix + "*");
		}
		finally {
			factory.destroy();
		}
	}

	private static Set<Thread> heartbeatThreads() {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> thread.isAlive() && thread.getName().startsWith("distcore-worker-id-"))
			.collect(Collectors.toSet());
	}

	private static boolean exists(String key) {
		LettuceConnectionFactory factory = TestServices.redis().connectionFactory();
		try {
			return new StringRedisTemplate(factory).hasKey(key);
		}
		finally {
			factory.destroy();
		}
	}

	private static void assertLeasedFrom(LeasedWorkerId lease, String backend, IdGenerator generator) {
		assertThat(lease.backend()).isEqualTo(backend);
		SnowflakeIdGenerator snowflake = (SnowflakeIdGenerator) generator;
		assertThat(snowflake.lease()).isSameAs(lease);
		SnowflakeId id = snowflake.layout().decode(snowflake.nextId());
		assertThat(lease.isValid()).isTrue();
		assertThat(id.datacenterId() << 5 | id.workerId()).isEqualTo(lease.slot());
	}

	@Configuration(proxyBeanMethods = false)
	static class UserLease {

		@Bean
		WorkerIdLease myLease() {
			return WorkerIdLease.fixed(1, 1);
		}

	}

}
