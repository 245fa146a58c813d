package io.distcore.lock;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import io.distcore.lock.jdbc.JdbcLockBackend;
import io.distcore.lock.local.LocalLockBackend;
import io.distcore.support.InstanceId;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIOException;

/**
 * {@link LockRegistry#executeLocked}: two registries on one in-JVM backend stand for two processes.
 */
class LockRegistryExecuteLockedTests {

	private static final Duration LEASE = Duration.ofSeconds(30);

	private final LocalLockBackend backend = new LocalLockBackend();

	private final LockRegistry registry = newRegistry();

	private final LockRegistry otherProcess = newRegistry();

	private final String name = "execute-" + UUID.randomUUID();

	@AfterEach
	void close() {
		this.registry.close();
		this.otherProcess.close();
	}

	@Test
	void theTaskRunsUnderTheLockAndTheLockIsReleasedAfterwards() throws Exception {
		String result = this.registry.executeLocked(this.name, Duration.ZERO, LEASE, () -> {
			assertThat(this.registry.getLock(this.name).isHeldByCurrentOwner()).isTrue();
			assertThat(this.otherProcess.getLock(this.name).tryLock(Duration.ZERO, LEASE)).isFalse();
			return "done";
		});
		assertThat(result).isEqualTo("done");
		assertThat(this.registry.holds()).isEmpty();
		assertThat(this.otherProcess.getLock(this.name).tryLock(Duration.ZERO, LEASE)).isTrue();
		this.otherProcess.getLock(this.name).unlock();
	}

	@Test
	void aRunnableRunsWithAWatchdogLeaseWhenNoLeaseIsGiven() {
		AtomicBoolean watchdog = new AtomicBoolean();
		this.registry.executeLocked(this.name, Duration.ZERO, null,
				() -> watchdog.set(this.registry.holds().get(0).watchdog()));
		assertThat(watchdog).isTrue();
		assertThat(this.registry.holds()).isEmpty();
	}

	@Test
	void aLockHeldElsewhereFailsWithoutRunningTheTask() throws Exception {
		NamedLock elsewhere = this.otherProcess.getLock(this.name);
		assertThat(elsewhere.tryLock(Duration.ZERO, LEASE)).isTrue();
		AtomicInteger runs = new AtomicInteger();
		assertThatExceptionOfType(LockAcquisitionException.class)
			.isThrownBy(() -> this.registry.executeLocked(this.name, Duration.ofMillis(50), LEASE, runs::incrementAndGet))
			.satisfies((ex) -> assertThat(ex.getLockName()).isEqualTo(this.name));
		assertThatExceptionOfType(LockAcquisitionException.class)
			.isThrownBy(() -> this.registry.executeLocked(this.name, Duration.ZERO, LEASE, (Runnable) runs::incrementAndGet));
		assertThat(runs).hasValue(0);
		assertThat(this.registry.holds()).isEmpty();
		elsewhere.unlock();
	}

	@Test
	void whatTheTaskThrowsPropagatesAfterTheRelease() {
		assertThatIOException().isThrownBy(() -> this.registry.executeLocked(this.name, Duration.ZERO, LEASE, () -> {
			throw new IOException("disk full");
		})).withMessage("disk full");
		assertThat(this.registry.holds()).isEmpty();
		assertThatExceptionOfType(IllegalStateException.class)
			.isThrownBy(() -> this.registry.executeLocked(this.name, Duration.ZERO, LEASE, (Runnable) () -> {
				throw new IllegalStateException("broken");
			}));
		assertThat(this.registry.holds()).isEmpty();
	}

	@Test
	void aHoldLostWhileTheTaskRanFailsTheCallAfterTheTaskAndIsSuppressedByTheTasksOwnFailure() {
		Duration lease = Duration.ofMillis(100);
		AtomicReference<String> ran = new AtomicReference<>();
		assertThatExceptionOfType(LockLostException.class)
			.isThrownBy(() -> this.registry.executeLocked(this.name, Duration.ZERO, lease, () -> {
				Thread.sleep(lease.toMillis() * 3);
				ran.set("yes");
				return null;
			}));
		assertThat(ran).hasValue("yes");
		assertThatIOException().isThrownBy(() -> this.registry.executeLocked(this.name, Duration.ZERO, lease, () -> {
			Thread.sleep(lease.toMillis() * 3);
			throw new IOException("late");
		})).satisfies((ex) -> assertThat(ex.getSuppressed()).singleElement().isInstanceOf(LockLostException.class));
	}

	@Test
	void anInterruptedWaitFailsWithTheFlagRestored() throws Exception {
		NamedLock elsewhere = this.otherProcess.getLock(this.name);
		assertThat(elsewhere.tryLock(Duration.ZERO, LEASE)).isTrue();
		Thread.currentThread().interrupt();
		try {
			assertThatExceptionOfType(LockAcquisitionException.class)
				.isThrownBy(() -> this.registry.executeLocked(this.name, Duration.ofSeconds(10), LEASE, () -> "never"))
				.withCauseInstanceOf(InterruptedException.class);
			assertThat(Thread.currentThread().isInterrupted()).isTrue();
		}
		finally {
			Thread.interrupted();
		}
		elsewhere.unlock();
	}

	@Test
	void theBackendCanBeChosen() throws Exception {
		JdbcEndpoint h2 = TestServices.h2("execute-locked-" + UUID.randomUUID());
		JdbcLockBackend jdbc = new JdbcLockBackend(new DriverManagerDataSource(h2.url(), h2.username(), h2.password()),
				"distcore_lock", Duration.ofMillis(10), Duration.ofMillis(200), Duration.ofSeconds(5));
		jdbc.createSchema();
		try (LockRegistry two = new LockRegistry(InstanceId.generate(), List.of(this.backend, jdbc), "local", LEASE,
				List.of())) {
			String backend = two.executeLocked(this.name, "jdbc", Duration.ZERO, LEASE,
					() -> two.holds().get(0).backend());
			assertThat(backend).isEqualTo("jdbc");
			AtomicReference<String> seen = new AtomicReference<>();
			two.executeLocked(this.name, "jdbc", Duration.ZERO, LEASE, () -> seen.set(two.holds().get(0).backend()));
			assertThat(seen).hasValue("jdbc");
			assertThat(two.holds()).isEmpty();
			assertThatExceptionOfType(IllegalArgumentException.class)
				.isThrownBy(() -> two.executeLocked(this.name, "nope", Duration.ZERO, LEASE, () -> { }))
				.withMessageContaining("nope");
		}
	}

	private LockRegistry newRegistry() {
		return new LockRegistry(InstanceId.generate(), List.of(this.backend), "local", LEASE, List.of());
	}

}
