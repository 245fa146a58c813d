package io.distcore.lock.autoconfigure;

import java.util.List;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.lock.LockRegistry;
import io.distcore.lock.redis.RedisLockBackend;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisClusterConfiguration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

import static org.assertj.core.api.Assertions.assertThat;

class RedisLockConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class, DataRedisAutoConfiguration.class,
				LockAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=" + TestServices.redis().host(),
				"spring.data.redis.port=" + TestServices.redis().port());

	@Test
	void redisConnectionMakesRedisTheDefaultBackend() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(RedisLockBackend.class);
			assertThat(context.getBean(LockRegistry.class).defaultBackend()).isEqualTo("redis");
		});
	}

	@Test
	void noBackendWithoutAConnectionFactory() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class, LockAutoConfiguration.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RedisLockBackend.class));
	}

	@Test
	void noBackendWithoutSpringDataRedis() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(RedisConnectionFactory.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RedisLockBackend.class));
	}

	@Test
	void backsOffForAUserBackend() {
		this.contextRunner.withUserConfiguration(UserBackend.class).run((context) -> {
			assertThat(context).hasSingleBean(RedisLockBackend.class);
			assertThat(context).getBean(RedisLockBackend.class).isSameAs(context.getBean("myRedisLockBackend"));
		});
	}

	@Test
	void emptyKeyPrefixFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("distcore.lock.redis.key-prefix=")
			.run((context) -> assertThat(context).getFailure().hasStackTraceContaining("distcore.lock.redis.key-prefix"));
	}

	@Test
	void onRedisClusterTheKeyPrefixNeedsAHashTag() {
		ApplicationContextRunner cluster = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class, LockAutoConfiguration.class))
			.withBean(RedisConnectionFactory.class,
					() -> new LettuceConnectionFactory(new RedisClusterConfiguration(List.of("127.0.0.1:7400"))));
		cluster.run((context) -> assertThat(context).getFailure()
			.hasStackTraceContaining("distcore.lock.redis.key-prefix")
			.hasStackTraceContaining("hash tag"));
		cluster.withPropertyValues("distcore.lock.redis.key-prefix={distcore-lock}:")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(RedisLockBackend.class));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserBackend {

		@Bean
		RedisLockBackend myRedisLockBackend(RedisConnectionFactory connectionFactory) {
			return new RedisLockBackend(connectionFactory, "mine:");
		}

	}

}
