package io.distcore.lock;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.autoconfigure.ZooKeeperAutoConfiguration;
import io.distcore.lock.autoconfigure.LockAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ConfigurableApplicationContext;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Lost-update torture: two independent application contexts, standing for two processes, run 8 threads each
 * that read, increment and write back a counter kept in a plain file (outside any lock backend) under a
 * {@link DistributedLock}. Any overlap of two holders loses an increment.
 */
public abstract class AbstractLockTortureTests {

	private static final int THREADS_PER_PROCESS = 8;

	private static final int INCREMENTS_PER_THREAD = 12;

	@TempDir
	Path directory;

	/**
	 * Properties that select and connect the backend under test.
	 * @return {@code key=value} pairs
	 */
	protected abstract String[] backendProperties();

	/**
	 * Spring Boot auto-configurations the backend needs besides distcore's own (Redis, DataSource...).
	 * @return the auto-configuration classes
	 */
	protected Class<?>[] infrastructure() {
		return new Class<?>[0];
	}

	@Test
	void noIncrementIsLostAcrossTwoProcessesOfEightThreads() throws Exception {
		Path counter = this.directory.resolve("counter");
		Files.writeString(counter, "0");
		List<Class<?>> configurations = new ArrayList<>(List.of(AopAutoConfiguration.class,
				DistcoreAutoConfiguration.class, ZooKeeperAutoConfiguration.class, LockAutoConfiguration.class));
		configurations.addAll(List.of(infrastructure()));
		ApplicationContextRunner runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(configurations.toArray(Class<?>[]::new)))
			.withPropertyValues(backendProperties())
			.withPropertyValues("distcore.lock.wait-time=60s")
			.withBean(FileCounter.class, () -> new FileCounter(counter));
		String name = "counter-" + UUID.randomUUID();
		runner.run((first) -> runner.run((second) -> {
			assertThat(first).hasNotFailed();
			assertThat(second).hasNotFailed();
			hammer(List.of(first, second), name);
		}));
		assertThat(Files.readString(counter)).isEqualTo(String.valueOf(2 * THREADS_PER_PROCESS * INCREMENTS_PER_THREAD));
	}

	private static void hammer(List<? extends ConfigurableApplicationContext> processes, String name) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(2 * THREADS_PER_PROCESS);
		try {
			List<Future<?>> workers = new ArrayList<>();
			for (ConfigurableApplicationContext process : processes) {
				FileCounter counter = process.getBean(FileCounter.class);
				for (int t = 0; t < THREADS_PER_PROCESS; t++) {
					workers.add(pool.submit(() -> {
						for (int i = 0; i < INCREMENTS_PER_THREAD; i++) {
							counter.increment(name);
						}
						return null;
					}));
				}
			}
			for (Future<?> worker : workers) {
				worker.get(5, TimeUnit.MINUTES);
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	/**
	 * A counter in a file: read, pause, write. Only mutual exclusion keeps it exact.
	 */
	public static class FileCounter {

		private final Path file;

		public FileCounter(Path file) {
			this.file = file;
		}

		@DistributedLock(prefix = "torture", key = "#name")
		public void increment(String name) {
			try {
				int value = Integer.parseInt(Files.readString(this.file, StandardCharsets.UTF_8).trim());
				Thread.yield();
				Files.writeString(this.file, String.valueOf(value + 1), StandardCharsets.UTF_8);
			}
			catch (IOException ex) {
				throw new UncheckedIOException(ex);
			}
		}

	}

}
