package io.distcore.lock.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.lock.AbstractLockTortureTests.FileCounter;
import io.distcore.lock.autoconfigure.LockAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The in-JVM backend protects one process only, so its torture runs 16 threads in one context.
 */
class LocalLockTortureTests {

	@TempDir
	Path directory;

	@Test
	void noIncrementIsLostAcrossSixteenThreads() throws IOException {
		Path file = this.directory.resolve("counter");
		Files.writeString(file, "0");
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, DistcoreAutoConfiguration.class,
					LockAutoConfiguration.class))
			.withPropertyValues("distcore.lock.backend=local", "distcore.lock.wait-time=60s")
			.withBean(FileCounter.class, () -> new FileCounter(file))
			.run((context) -> {
				FileCounter counter = context.getBean(FileCounter.class);
				ExecutorService pool = Executors.newFixedThreadPool(16);
				try {
					List<Future<?>> workers = new ArrayList<>();
					for (int t = 0; t < 16; t++) {
						workers.add(pool.submit(() -> {
							for (int i = 0; i < 25; i++) {
								counter.increment("local");
							}
							return null;
						}));
					}
					for (Future<?> worker : workers) {
						worker.get(2, TimeUnit.MINUTES);
					}
				}
				finally {
					pool.shutdownNow();
				}
			});
		assertThat(Files.readString(file)).isEqualTo("400");
	}

}
