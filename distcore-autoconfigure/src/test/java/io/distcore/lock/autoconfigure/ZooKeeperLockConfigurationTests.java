package io.distcore.lock.autoconfigure;

import java.time.Duration;
import java.util.UUID;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.autoconfigure.ZooKeeperAutoConfiguration;
import io.distcore.lock.LockRegistry;
import io.distcore.lock.zookeeper.ZooKeeperLockBackend;
import io.distcore.test.TestServices;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

class ZooKeeperLockConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class, ZooKeeperAutoConfiguration.class,
				LockAutoConfiguration.class));

	private final String connectString = "distcore.zookeeper.connect-string="
			+ TestServices.zookeeper().getConnectString();

	@Test
	void backendIsTheDefaultWhenZooKeeperIsConfigured() {
		this.contextRunner.withPropertyValues(this.connectString).run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(ZooKeeperLockBackend.class);
			assertThat(context.getBean(LockRegistry.class).defaultBackend()).isEqualTo("zookeeper");
		});
	}

	@Test
	void noBackendWithoutACuratorFramework() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(ZooKeeperLockBackend.class);
			assertThat(context.getBean(LockRegistry.class).backends()).doesNotContain("zookeeper");
		});
	}

	@Test
	void noBackendWithoutCurator() {
		this.contextRunner.withPropertyValues(this.connectString)
			.withClassLoader(new FilteredClassLoader(CuratorFramework.class))
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(ZooKeeperLockBackend.class));
	}

	@Test
	void backsOffWhenTheUserDefinesABackend() {
		this.contextRunner.withPropertyValues(this.connectString)
			.withUserConfiguration(UserBackend.class)
			.run((context) -> assertThat(context).hasSingleBean(ZooKeeperLockBackend.class)
				.hasBean("myZooKeeperLockBackend"));
	}

	@Test
	void configuredPathIsUsed() {
		String name = "path-" + UUID.randomUUID();
		this.contextRunner.withPropertyValues(this.connectString, "distcore.lock.zookeeper.path=/distcore-test/app")
			.run((context) -> {
				ZooKeeperLockBackend backend = context.getBean(ZooKeeperLockBackend.class);
				assertThat(backend.acquire(name, "owner", Duration.ofSeconds(30), Duration.ZERO)).isPresent();
				assertThat(context.getBean(CuratorFramework.class).checkExists().forPath("/distcore-test/app/" + name))
					.isNotNull();
				assertThat(backend.release(name, "owner")).isTrue();
			});
	}

	@Test
	void invalidPathFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues(this.connectString, "distcore.lock.zookeeper.path=locks/")
			.run((context) -> assertThat(context.getStartupFailure())
				.hasStackTraceContaining("distcore.lock.zookeeper.path"));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserBackend {

		@Bean
		ZooKeeperLockBackend myZooKeeperLockBackend(CuratorFramework curatorFramework) {
			return new ZooKeeperLockBackend(curatorFramework, "/mine");
		}

	}

}
