package io.distcore.lock.aop;

import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.lock.DistributedLock;
import io.distcore.lock.LockBackendUnavailableException;
import io.distcore.lock.autoconfigure.LockAutoConfiguration;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A backend that is down makes an annotated call fail fast with a typed exception, and the method never runs
 * unguarded.
 */
class DistributedLockBackendDownTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, DistcoreAutoConfiguration.class,
				LockAutoConfiguration.class, DataRedisAutoConfiguration.class, DataSourceAutoConfiguration.class))
		.withBean(Guarded.class);

	@Test
	void redisDown() {
		assertFailsFastWithoutRunning("distcore.lock.backend=redis", "spring.data.redis.host=127.0.0.1",
				"spring.data.redis.port=" + deadPort(), "spring.data.redis.timeout=500ms",
				"spring.data.redis.connect-timeout=500ms");
	}

	@Test
	void databaseDown() {
		assertFailsFastWithoutRunning("distcore.lock.backend=jdbc",
				"spring.datasource.url=jdbc:postgresql://127.0.0.1:" + deadPort() + "/test",
				"spring.datasource.hikari.connection-timeout=500", "spring.datasource.hikari.initialization-fail-timeout=-1");
	}

	private void assertFailsFastWithoutRunning(String... properties) {
		this.contextRunner.withPropertyValues(properties).run((context) -> {
			assertThat(context).hasNotFailed();
			Guarded guarded = context.getBean(Guarded.class);
			long start = System.nanoTime();
			assertThatExceptionOfType(LockBackendUnavailableException.class).isThrownBy(() -> guarded.update("A1"));
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
			assertThat(guarded.runs()).isZero();
		});
	}

	private static int deadPort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	static class Guarded {

		private final AtomicInteger runs = new AtomicInteger();

		@DistributedLock(prefix = "guarded", key = "#sku", waitTime = "10s")
		public void update(String sku) {
			this.runs.incrementAndGet();
		}

		int runs() {
			return this.runs.get();
		}

	}

}
