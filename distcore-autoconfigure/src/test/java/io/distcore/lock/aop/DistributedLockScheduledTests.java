package io.distcore.lock.aop;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.lock.DistributedLock;
import io.distcore.lock.LockAcquisitionException;
import io.distcore.lock.LockRegistry;
import io.distcore.lock.NamedLock;
import io.distcore.lock.autoconfigure.LockAutoConfiguration;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.logging.LogLevel;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.scheduling.annotation.Scheduled;

import static io.distcore.lock.aop.StartupFailures.assertStartupFails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@link DistributedLock} on {@link Scheduled} jobs: a run whose lock another node holds is skipped quietly, and
 * {@code holdAtLeast} keeps a quick run's lock so that a second node does not run the job again at once. Two
 * application contexts on one database stand for two nodes.
 */
@ExtendWith(OutputCaptureExtension.class)
class DistributedLockScheduledTests {

	private static final Duration HANG = Duration.ofSeconds(20);

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, DistcoreAutoConfiguration.class,
				LockAutoConfiguration.class));

	@Test
	void aScheduledRunWhoseLockIsHeldElsewhereIsSkippedAndLoggedAtDebug(CapturedOutput output) {
		LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());
		logging.setLogLevel(DistributedLockInterceptor.class.getName(), LogLevel.DEBUG);
		try {
			this.contextRunner.withPropertyValues("distcore.lock.backend=local").withBean(Jobs.class).run((context) -> {
				Jobs jobs = context.getBean(Jobs.class);
				NamedLock otherNode = context.getBean(LockRegistry.class).getLock("report", "local", "other-node");
				assertThat(otherNode.tryLock(Duration.ZERO)).isTrue();
				jobs.report();
				assertThat(jobs.reports()).isZero();
				assertThat(output).contains("Skipped Jobs.report").contains("'report'");
				// An unscheduled method keeps failing loudly.
				assertThatExceptionOfType(LockAcquisitionException.class).isThrownBy(jobs::reportNow);
				otherNode.unlock();
				jobs.report();
				assertThat(jobs.reports()).isOne();
			});
		}
		finally {
			logging.setLogLevel(DistributedLockInterceptor.class.getName(), null);
		}
	}

	@Test
	void holdAtLeastKeepsAQuickRunsLockSoThatTheSecondNodeDoesNotRunAgainAtOnce() {
		ApplicationContextRunner nodes = onSharedDatabase();
		nodes.run((first) -> nodes.run((second) -> {
			Jobs onFirst = first.getBean(Jobs.class);
			Jobs onSecond = second.getBean(Jobs.class);
			long start = System.nanoTime();
			onFirst.nightly();
			assertThat(onFirst.nightlies()).isOne();
			// The run is over but its lock is kept.
			assertThat(first.getBean(LockRegistry.class).holds()).singleElement()
				.satisfies((hold) -> assertThat(hold.name()).isEqualTo("nightly"));
			onSecond.nightly();
			assertThat(onSecond.nightlies()).isZero();

			while (onSecond.nightlies() == 0) {
				assertThat(Duration.ofNanos(System.nanoTime() - start)).as("second node never ran").isLessThan(HANG);
				Thread.sleep(100);
				onSecond.nightly();
			}
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofSeconds(3));
			assertThat(first.getBean(LockRegistry.class).holds()).isEmpty();
		}));
	}

	@Test
	void holdAtLeastAlsoKeepsTheLockOfARunThatFailed() {
		this.contextRunner.withPropertyValues("distcore.lock.backend=local").withBean(Jobs.class).run((context) -> {
			Jobs jobs = context.getBean(Jobs.class);
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(jobs::failing);
			assertThat(context.getBean(LockRegistry.class).holds()).singleElement()
				.satisfies((hold) -> assertThat(hold.name()).isEqualTo("failing"));
			assertThat(context.getBean(LockRegistry.class).getLock("failing").tryLock(Duration.ZERO)).isFalse();
		});
	}

	@Test
	void holdAtLeastLongerThanAnExplicitLeaseFailsAtStartup() {
		assertStartupFails(this.contextRunner.withPropertyValues("distcore.lock.backend=local"), TooLong.class,
				"TooLong.run", "holdAtLeast", "leaseTime");
	}

	@Test
	void badDurationsFailAtStartupNamingTheAttribute() {
		assertStartupFails(this.contextRunner.withPropertyValues("distcore.lock.backend=local"), BadHold.class,
				"holdAtLeast = \"soon\"", "BadHold.run");
	}

	private ApplicationContextRunner onSharedDatabase() {
		String url = TestServices.h2("scheduled-" + UUID.randomUUID()).url();
		return this.contextRunner.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=" + url, "distcore.lock.backend=jdbc")
			.withBean(Jobs.class);
	}

	static class Jobs {

		private final AtomicInteger reports = new AtomicInteger();

		private final AtomicInteger nightlies = new AtomicInteger();

		// Read through the proxy, whose own fields are not the target's.
		public int reports() {
			return this.reports.get();
		}

		public int nightlies() {
			return this.nightlies.get();
		}

		@Scheduled(fixedDelay = 60_000)
		@DistributedLock(name = "report", waitTime = "0s")
		public void report() {
			this.reports.incrementAndGet();
		}

		@DistributedLock(name = "report", waitTime = "0s")
		public void reportNow() {
			this.reports.incrementAndGet();
		}

		@Scheduled(cron = "0 0 3 * * *")
		@DistributedLock(name = "nightly", waitTime = "0s", holdAtLeast = "3s")
		public void nightly() {
			this.nightlies.incrementAndGet();
		}

		@Scheduled(fixedDelay = 60_000)
		@DistributedLock(name = "failing", waitTime = "0s", holdAtLeast = "1m")
		public void failing() {
			throw new IllegalStateException("job failed");
		}

	}

	static class TooLong {

		@DistributedLock(name = "too-long", leaseTime = "5s", holdAtLeast = "10s")
		public void run() {
		}

	}

	static class BadHold {

		@DistributedLock(name = "bad", holdAtLeast = "soon")
		public void run() {
		}

	}

}
