package io.distcore.lock.autoconfigure;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.lock.LockRegistry;
import io.distcore.test.RedisEndpoint;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Redis configured for an application that cannot connect to it: startup goes on with another lock backend and
 * says once which property points at Redis in vain.
 */
@ExtendWith(OutputCaptureExtension.class)
class LockAutoConfigurationRedisWarningTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner().withConfiguration(
			AutoConfigurations.of(DistcoreAutoConfiguration.class, DataRedisAutoConfiguration.class,
					LockAutoConfiguration.class));

	@Test
	void redisPropertyWithoutARedisClientWarnsOnceNamingIt(CapturedOutput output) {
		this.contextRunner.withPropertyValues("spring.data.redis.database=2")
			.withClassLoader(new FilteredClassLoader("io.lettuce"))
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(LockRegistry.class).defaultBackend()).isEqualTo("local");
			});
		assertThat(output.getAll().lines().filter((line) -> line.contains(" WARN ")
				&& line.contains("spring.data.redis.database points at Redis") && line.contains("Lettuce"))).hasSize(1);
	}

	@Test
	void redisPropertyWithARedisClientDoesNotWarn(CapturedOutput output) {
		this.contextRunner.withPropertyValues("spring.data.redis.database=2")
			.run((context) -> assertThat(context.getBean(LockRegistry.class).defaultBackend()).isEqualTo("redis"));
		assertThat(output.getAll()).doesNotContain("spring.data.redis.database");
	}

	/** As {@code @ServiceConnection} or Docker Compose support define them, with no spring.data.redis.* property. */
	@Test
	void connectionDetailsOfTheirOwnSelectRedis() {
		RedisEndpoint redis = TestServices.redis();
		DataRedisConnectionDetails details = new DataRedisConnectionDetails() {

			@Override
			public Standalone getStandalone() {
				return Standalone.of(redis.host(), redis.port());
			}

		};
		this.contextRunner.withBean(DataRedisConnectionDetails.class, () -> details)
			.run((context) -> assertThat(context.getBean(LockRegistry.class).defaultBackend()).isEqualTo("redis"));
		this.contextRunner
			.run((context) -> assertThat(context.getBean(LockRegistry.class).defaultBackend()).isEqualTo("local"));
	}

	@Test
	void noRedisPropertyDoesNotWarn(CapturedOutput output) {
		this.contextRunner.withClassLoader(new FilteredClassLoader("io.lettuce"))
			.run((context) -> assertThat(context).hasNotFailed());
		assertThat(output.getAll()).doesNotContain("spring.data.redis");
	}

}
