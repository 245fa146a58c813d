package io.distcore.lock.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.lock.LockBackend;
import io.distcore.lock.LockGrant;
import io.distcore.lock.LockRegistry;
import io.distcore.lock.aop.DistributedLockAdvisor;
import io.distcore.lock.aop.LockLostTransactionGuard;
import io.distcore.lock.local.LocalLockBackend;
import io.distcore.support.InstanceId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

@ExtendWith(OutputCaptureExtension.class)
class LockAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class, LockAutoConfiguration.class));

	@Test
	void withNoPropertiesAndNoInfrastructureLocksAreLocalWithAWarning(CapturedOutput output) {
		this.contextRunner.run((context) -> {
			assertThat(context).hasNotFailed().hasSingleBean(LockRegistry.class).hasSingleBean(LocalLockBackend.class);
			LockRegistry registry = context.getBean(LockRegistry.class);
			assertThat(registry.defaultBackend()).isEqualTo("local");
			assertThat(registry.backends()).containsExactly("local");
			assertThat(context).hasSingleBean(DistributedLockAdvisor.class).hasSingleBean(LockLostTransactionGuard.class);
		});
		assertThat(output).contains("Distributed locks use the 'local' backend (detected")
			.contains("excludes threads of this process only");
	}

	@Test
	void aConfiguredBackendThatIsNotAvailableFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("distcore.lock.backend=redis")
			.withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("distcore.lock.backend=redis")
				.hasMessageContaining("RedisConnectionFactory"));
	}

	@Test
	void anUnknownBackendFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("distcore.lock.backend=etcd")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.hasStackTraceContaining("distcore.lock.backend"));
	}

	@Test
	void aTooShortLeaseFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("distcore.lock.lease-time=1ms")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("distcore.lock.lease-time"));
	}

	@Test
	void aNegativeWaitTimeFailsNamingTheProperty() {
		this.contextRunner.withPropertyValues("distcore.lock.wait-time=-1s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.hasMessageContaining("distcore.lock.wait-time"));
	}

	@Test
	void withoutSpringAopThereIsNoAdviceButLocksStillWork() {
		this.contextRunner.withClassLoader(new FilteredClassLoader("org.springframework.aop", "org.aopalliance"))
			.run((context) -> assertThat(context).hasNotFailed()
				.hasSingleBean(LockRegistry.class)
				.doesNotHaveBean(DistributedLockAdvisor.class));
	}

	@Test
	void backsOffForAUserRegistry() {
		this.contextRunner.withUserConfiguration(UserRegistry.class)
			.run((context) -> assertThat(context.getBean(LockRegistry.class).defaultBackend()).isEqualTo("mine"));
	}

	@Test
	void aspectOrderIsConfigurable() {
		this.contextRunner.withPropertyValues("distcore.lock.aspect-order=42")
			.run((context) -> assertThat(context.getBean(DistributedLockAdvisor.class).getOrder()).isEqualTo(42));
	}

	@Configuration(proxyBeanMethods = false)
	static class UserRegistry {

		@Bean
		LockRegistry myRegistry() {
			LocalLockBackend local = new LocalLockBackend();
			LockBackend mine = new LockBackend() {

				@Override
				public String name() {
					return "mine";
				}

				@Override
				public Optional<LockGrant> acquire(String name, String owner, Duration leaseTime, Duration waitTime)
						throws InterruptedException {
					return local.acquire(name, owner, leaseTime, waitTime);
				}

				@Override
				public boolean renew(String name, String owner, Duration leaseTime) {
					return local.renew(name, owner, leaseTime);
				}

				@Override
				public boolean release(String name, String owner) {
					return local.release(name, owner);
				}

			};
			return new LockRegistry(InstanceId.generate(), List.of(mine), "mine", Duration.ofSeconds(1), List.of());
		}

	}

}
