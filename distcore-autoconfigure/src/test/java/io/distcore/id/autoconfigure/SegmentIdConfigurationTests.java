package io.distcore.id.autoconfigure;

import java.util.UUID;

import javax.sql.DataSource;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.id.IdGenerator;
import io.distcore.id.SegmentUnavailableException;
import io.distcore.id.segment.SegmentIdGenerator;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import static io.distcore.support.InvalidProperty.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Wiring of the segment generators by {@link IdAutoConfiguration}.
 */
class SegmentIdConfigurationTests {

	private final ApplicationContextRunner jdbcRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class, DataSourceAutoConfiguration.class,
				IdAutoConfiguration.class))
		.withPropertyValues("distcore.id.generator=jdbc",
				"spring.datasource.url=jdbc:h2:mem:segment-config-" + UUID.randomUUID() + ";DB_CLOSE_DELAY=-1");

	private final String redisPrefix = "distcore-test:" + UUID.randomUUID() + ":seq:";

	private final ApplicationContextRunner redisRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class, DataRedisAutoConfiguration.class,
				IdAutoConfiguration.class))
		.withPropertyValues("distcore.id.generator=redis", "distcore.id.redis.key-prefix=" + this.redisPrefix,
				"spring.data.redis.host=" + TestServices.redis().host(),
				"spring.data.redis.port=" + TestServices.redis().port());

	@Test
	void jdbcOnAnEmbeddedDatabaseCreatesTheTableAtTheFirstIdAndHandsOutIds() {
		this.jdbcRunner.withPropertyValues("distcore.id.segment.step=50").run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(SegmentIdGenerator.class);
			assertThat(tableExists(context.getBean(DataSource.class), "distcore_id_segment"))
				.as("segment table before any id")
				.isFalse();
			IdGenerator generator = context.getBean(IdGenerator.class);
			assertThat(generator.nextId("order")).isEqualTo(1);
			assertThat(generator.nextId()).isEqualTo(1);
			assertThat(new JdbcTemplate(context.getBean(DataSource.class))
				.queryForObject("SELECT step FROM distcore_id_segment WHERE tag = 'order'", Long.class)).isEqualTo(50);
		});
	}

	@Test
	void jdbcOnAServerDatabaseCreatesTheTableAtTheFirstIdOnlyWithInitializeSchemaAlways() {
		JdbcEndpoint postgres = TestServices.postgres();
		String table = "distcore_id_cfg_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		ApplicationContextRunner runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class,
					DataSourceAutoConfiguration.class, IdAutoConfiguration.class))
			.withPropertyValues("distcore.id.generator=jdbc", "distcore.id.jdbc.table-name=" + table,
					"spring.datasource.url=" + postgres.url(), "spring.datasource.username=" + postgres.username(),
					"spring.datasource.password=" + postgres.password());
		runner.run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(SegmentIdGenerator.class);
			assertThat(tableExists(context.getBean(DataSource.class), table)).isFalse();
		});
		runner.withPropertyValues("distcore.id.jdbc.initialize-schema=always").run((context) -> {
			assertThat(context).hasNotFailed();
			JdbcTemplate admin = new JdbcTemplate(context.getBean(DataSource.class));
			try {
				assertThat(tableExists(context.getBean(DataSource.class), table)).as("before the first id").isFalse();
				assertThat(context.getBean(IdGenerator.class).nextId("pg")).isEqualTo(1);
			}
			finally {
				admin.execute("DROP TABLE IF EXISTS " + table);
			}
		});
	}

	@Test
	void jdbcOnADatabaseThatIsDownAtStartupFailsTheFirstIdNotTheStartup() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class,
					DataSourceAutoConfiguration.class, IdAutoConfiguration.class))
			.withPropertyValues("distcore.id.generator=jdbc", "distcore.id.jdbc.initialize-schema=always",
					"spring.datasource.url=jdbc:postgresql://127.0.0.1:1/test", "spring.datasource.username=postgres",
					"spring.datasource.hikari.connection-timeout=1000")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThatExceptionOfType(SegmentUnavailableException.class)
					.isThrownBy(() -> context.getBean(IdGenerator.class).nextId("down"));
			});
	}

	@Test
	void redisHandsOutIdsFromItsCounter() {
		this.redisRunner.run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(SegmentIdGenerator.class);
			assertThat(context.getBean(IdGenerator.class).nextId("order")).isEqualTo(1);
			StringRedisTemplate redis = new StringRedisTemplate(context.getBean(RedisConnectionFactory.class));
			try {
				assertThat(redis.opsForValue().get(this.redisPrefix + "order")).isEqualTo("1000");
			}
			finally {
				redis.delete(this.redisPrefix + "order");
			}
		});
	}

	@Test
	void jdbcWithoutADataSourceFailsNamingTheGenerator() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(IdAutoConfiguration.class))
			.withPropertyValues("distcore.id.generator=jdbc")
			.run((context) -> assertInvalid(context.getStartupFailure(), "distcore.id.generator")
				.hasMessageContaining("DataSource"));
	}

	@Test
	void jdbcWithoutSpringJdbcFailsNamingTheGenerator() {
		this.jdbcRunner.withClassLoader(new FilteredClassLoader(JdbcTemplate.class))
			.run((context) -> assertInvalid(context.getStartupFailure(), "distcore.id.generator")
				.hasMessageContaining("spring-jdbc"));
	}

	@Test
	void redisWithoutAConnectionFactoryFailsNamingTheGenerator() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(IdAutoConfiguration.class))
			.withPropertyValues("distcore.id.generator=redis")
			.run((context) -> assertInvalid(context.getStartupFailure(), "distcore.id.generator")
				.hasMessageContaining("RedisConnectionFactory"));
	}

	@Test
	void redisWithoutSpringDataRedisFailsNamingTheGenerator() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(IdAutoConfiguration.class))
			.withPropertyValues("distcore.id.generator=redis")
			.withClassLoader(new FilteredClassLoader(RedisConnectionFactory.class))
			.run((context) -> assertInvalid(context.getStartupFailure(), "distcore.id.generator")
				.hasMessageContaining("spring-data-redis"));
	}

	@Test
	void invalidSegmentSettingsFailNamingTheProperty() {
		this.jdbcRunner.withPropertyValues("distcore.id.segment.step=0")
			.run((context) -> assertThat(context).getFailure().hasStackTraceContaining("distcore.id.segment.step"));
		this.jdbcRunner.withPropertyValues("distcore.id.segment.prefetch-threshold=1.5")
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("distcore.id.segment.prefetch-threshold"));
		this.jdbcRunner.withPropertyValues("distcore.id.segment.dynamic-step=true", "distcore.id.segment.step=1000",
				"distcore.id.segment.max-step=10")
			.run((context) -> assertThat(context).getFailure().hasStackTraceContaining("distcore.id.segment.max-step"));
		this.jdbcRunner.withPropertyValues("distcore.id.segment.dynamic-step=true",
				"distcore.id.segment.fast-segment=1h", "distcore.id.segment.slow-segment=1m")
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("distcore.id.segment.slow-segment"));
		this.jdbcRunner.withPropertyValues("distcore.id.jdbc.table-name=ids;drop")
			.run((context) -> assertThat(context).getFailure().hasStackTraceContaining("distcore.id.jdbc.table-name"));
		this.jdbcRunner.withPropertyValues("distcore.id.jdbc.query-timeout=10ms")
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("distcore.id.jdbc.query-timeout"));
		this.redisRunner.withPropertyValues("distcore.id.redis.key-prefix=")
			.run((context) -> assertThat(context).getFailure().hasStackTraceContaining("distcore.id.redis.key-prefix"));
	}

	@Test
	void backsOffForAUserGenerator() {
		this.jdbcRunner.withUserConfiguration(UserGenerator.class).run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(SegmentIdGenerator.class);
			assertThat(context.getBean(IdGenerator.class).nextId()).isEqualTo(42);
		});
	}

	@Test
	void snowflakeByDefaultGetsNoSegmentGenerator() {
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(IdAutoConfiguration.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(SegmentIdGenerator.class));
	}

	@Test
	void closingTheContextStopsTheGenerator() {
		this.jdbcRunner.run((context) -> {
			SegmentIdGenerator generator = context.getBean(SegmentIdGenerator.class);
			assertThat(generator.nextId("closing")).isEqualTo(1);
			context.close();
			for (long expected = 2; expected <= 1000; expected++) {
				assertThat(generator.nextId("closing")).isEqualTo(expected);
			}
			assertThatExceptionOfType(SegmentUnavailableException.class)
				.isThrownBy(() -> generator.nextId("closing"))
				.withMessageContaining("closed");
		});
	}

	private static boolean tableExists(DataSource dataSource, String table) {
		Integer count = new JdbcTemplate(dataSource).queryForObject(
				"SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE LOWER(TABLE_NAME) = LOWER(?)", Integer.class,
				table);
		return count != null && count > 0;
	}

	@Configuration(proxyBeanMethods = false)
	static class UserGenerator {

		@Bean
		IdGenerator myIds() {
			return new IdGenerator() {

				@Override
				public long nextId() {
					return 42;
				}

				@Override
				public long nextId(String tag) {
					return 42;
				}

			};
		}

	}

}
