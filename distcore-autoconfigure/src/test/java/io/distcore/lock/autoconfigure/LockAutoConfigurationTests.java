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
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
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
	void aConfiguredBackendThatIsNotAvailableFailsNamingThePropertyAndWhatItNeeds() {
		this.contextRunner.withPropertyValues("distcore.lock.backend=redis")
			.withClassLoader(new FilteredClassLoader("org.springframework.data.redis"))
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOfSatisfying(InvalidConfigurationPropertyValueException.class, (ex) -> {
					assertThat(ex.getName()).isEqualTo("distcore.lock.backend");
					assertThat(ex.getValue()).isEqualTo("redis");
					assertThat(ex.getReason()).contains("RedisConnectionFactory").contains("[local]");
				}));
	}

	@Test
	void anUnknownBackendFailsListingTheRegisteredOnes() {
		this.contextRunner.withPropertyValues("distcore.lock.backend=etcd")
			.withUserConfiguration(UserBackend.class)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOfSatisfying(InvalidConfigurationPropertyValueException.class, (ex) -> {
					assertThat(ex.getName()).isEqualTo("distcore.lock.backend");
					assertThat(ex.getValue()).isEqualTo("etcd");
					assertThat(ex.getReason()).contains("mine").contains("local");
				}));
	}

	@Test
	void aUserBackendBeanCanBeTheDefaultByItsName() {
		this.contextRunner.withPropertyValues("distcore.lock.backend=mine")
			.withUserConfiguration(UserBackend.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				LockRegistry registry = context.getBean(LockRegistry.class);
				assertThat(registry.defaultBackend()).isEqualTo("mine");
				assertThat(registry.backends()).containsExactlyInAnyOrder("mine", "local");
			});
	}

	@Test
	void anEmptyBackendPropertyMeansDetect() {
		this.contextRunner.withPropertyValues("distcore.lock.backend=")
			.run((context) -> assertThat(context.getBean(LockRegistry.class).defaultBackend()).isEqualTo("local"));
	}

	@Test
	void backendNamesAreMatchedIgnoringCase() {
		this.contextRunner.withPropertyValues("distcore.lock.backend=LOCAL")
			.run((context) -> assertThat(context.getBean(LockRegistry.class).defaultBackend()).isEqualTo("local"));
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
			return new LockRegistry(InstanceId.generate(), List.of(backendNamedMine()), "mine", Duration.ofSeconds(1),
					List.of());
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserBackend {

		@Bean
		LockBackend myBackend() {
			return backendNamedMine();
		}

	}

	/** A backend of the user's own, named "mine". */
	static LockBackend backendNamedMine() {
		LocalLockBackend local = new LocalLockBackend();
		return new LockBackend() {

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
	}

}
