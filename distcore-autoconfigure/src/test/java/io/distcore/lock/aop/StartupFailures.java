package io.distcore.lock.aop;

import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Assertions on {@link io.distcore.lock.DistributedLock} mistakes that must fail the startup.
 */
final class StartupFailures {

	private StartupFailures() {
	}

	/**
	 * Starts a context with one more bean and expects the startup to fail with an {@link IllegalStateException}
	 * whose message says every one of {@code parts}.
	 * @param runner the context
	 * @param bean class of the bean with the mistake
	 * @param parts what the message must contain
	 */
	static void assertStartupFails(ApplicationContextRunner runner, Class<?> bean, String... parts) {
		runner.withBean(bean)
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.isInstanceOf(IllegalStateException.class)
				.message()
				.contains(parts));
	}

}
