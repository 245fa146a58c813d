package io.distcore.lock.autoconfigure;

import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.lock.LockRegistry;
import io.distcore.lock.redlock.RedLockBackend;
import io.distcore.test.RedisEndpoint;
import io.distcore.test.TestServices;
import io.lettuce.core.RedisClient;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static io.distcore.support.InvalidProperty.assertInvalid;
import static org.assertj.core.api.Assertions.assertThat;

class RedLockConfigurationTests {

	private static final String NODES = "distcore.lock.redlock.nodes="
			+ TestServices.redlockNodes().stream().map(RedisEndpoint::uri).collect(Collectors.joining(","));

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class, LockAutoConfiguration.class));

	@Test
	void nodesEnableTheBackend() {
		this.contextRunner.withPropertyValues(NODES, "distcore.lock.backend=redlock").run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(RedLockBackend.class);
			assertThat(context.getBean(LockRegistry.class).defaultBackend()).isEqualTo("redlock");
		});
	}

	/** Nodes are set for locks alone, so they say what the user meant more surely than a Redis for caching. */
	@Test
	void nodesAloneMakeRedLockTheDetectedBackendEvenWithARedisConfigured() {
		this.contextRunner.withPropertyValues(NODES, "spring.data.redis.host=127.0.0.1").run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(RedLockBackend.class);
			assertThat(context.getBean(LockRegistry.class).defaultBackend()).isEqualTo("redlock");
		});
	}

	@Test
	void indexedNodesEnableTheBackend() {
		List<RedisEndpoint> endpoints = TestServices.redlockNodes();
		String[] nodes = IntStream.range(0, endpoints.size())
			.mapToObj((i) -> "distcore.lock.redlock.nodes[" + i + "]=" + endpoints.get(i).uri())
			.toArray(String[]::new);
		this.contextRunner.withPropertyValues(nodes)
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(RedLockBackend.class));
	}

	@Test
	void noBackendWithoutNodes() {
		this.contextRunner.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RedLockBackend.class));
	}

	@Test
	void noBackendWithoutLettuce() {
		this.contextRunner.withPropertyValues(NODES)
			.withClassLoader(new FilteredClassLoader(RedisClient.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(RedLockBackend.class));
	}

	@Test
	void fewerThanThreeNodesFailNamingTheProperty() {
		this.contextRunner.withPropertyValues("distcore.lock.redlock.nodes=redis://127.0.0.1:6380,redis://127.0.0.1:6381")
			.run((context) -> assertInvalid(context.getStartupFailure(), "distcore.lock.redlock.nodes")
				.hasMessageContaining("needs at least 3"));
	}

	@Test
	void aNodeThatIsNotARedisUriFailsNamingTheProperty() {
		this.contextRunner
			.withPropertyValues("distcore.lock.redlock.nodes=redis://127.0.0.1:6380,http://127.0.0.1:6381,redis://127.0.0.1:6382")
			.run((context) -> assertThat(context).getFailure().hasStackTraceContaining("distcore.lock.redlock.nodes[1]"));
		this.contextRunner
			.withPropertyValues("distcore.lock.redlock.nodes=redis://127.0.0.1:6380,redis://bad host:6381,redis://127.0.0.1:6382")
			.run((context) -> assertThat(context).getFailure().hasStackTraceContaining("distcore.lock.redlock.nodes[1]"));
	}

	@Test
	void nonPositiveNodeTimeoutFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues(NODES, "distcore.lock.redlock.node-timeout=0ms")
			.run((context) -> assertThat(context).getFailure()
				.hasStackTraceContaining("distcore.lock.redlock.node-timeout"));
	}

}
