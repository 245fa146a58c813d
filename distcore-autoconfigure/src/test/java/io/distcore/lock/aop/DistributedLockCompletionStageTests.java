package io.distcore.lock.aop;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.lock.DistributedLock;
import io.distcore.lock.LockAcquisitionException;
import io.distcore.lock.LockLostException;
import io.distcore.lock.LockRegistry;
import io.distcore.lock.autoconfigure.LockAutoConfiguration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static io.distcore.lock.aop.StartupFailures.assertStartupFails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@link DistributedLock} on methods that return before their work is done: a {@link CompletionStage} keeps
 * its locks until it completes, reactive and plain {@link Future} return types are refused at startup.
 */
class DistributedLockCompletionStageTests {

	private static final long HANG_SECONDS = 20;

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, DistcoreAutoConfiguration.class,
				LockAutoConfiguration.class))
		.withPropertyValues("distcore.lock.backend=local");

	@Test
	void aCompletableFutureKeepsItsLockUntilItCompletes() {
		this.contextRunner.withBean(AsyncLocked.class).run((context) -> {
			AsyncLocked locked = context.getBean(AsyncLocked.class);
			LockRegistry registry = context.getBean(LockRegistry.class);
			CompletableFuture<String> result = locked.start("K");
			assertThat(result).isNotDone();
			assertThat(registry.holds()).singleElement().satisfies((hold) -> assertThat(hold.name()).isEqualTo("async:K"));
			assertThat(registry.getLock("async:K", "local", "another-node").tryLock(Duration.ZERO)).isFalse();
			// Holds of a pending call belong to the call, not to the thread that made it.
			assertThatExceptionOfType(LockAcquisitionException.class).isThrownBy(() -> locked.start("K"));

			locked.complete("K", "done");
			assertThat(result.get(HANG_SECONDS, TimeUnit.SECONDS)).isEqualTo("done");
			// The caller sees the result only once the lock is released.
			assertThat(registry.holds()).isEmpty();
			CompletableFuture<String> again = locked.start("K");
			locked.complete("K", "again");
			assertThat(again.get(HANG_SECONDS, TimeUnit.SECONDS)).isEqualTo("again");
		});
	}

	@Test
	void aCompletionStageThatFailsReleasesItsLockAndKeepsItsFailure() {
		this.contextRunner.withBean(AsyncLocked.class).run((context) -> {
			AsyncLocked locked = context.getBean(AsyncLocked.class);
			LockRegistry registry = context.getBean(LockRegistry.class);
			CompletableFuture<String> result = locked.stage("F").toCompletableFuture();
			assertThat(registry.holds()).hasSize(1);
			locked.fail("F", new IllegalStateException("payment refused"));
			assertThatExceptionOfType(ExecutionException.class)
				.isThrownBy(() -> result.get(HANG_SECONDS, TimeUnit.SECONDS))
				.withCauseInstanceOf(IllegalStateException.class)
				.withMessageContaining("payment refused");
			assertThat(registry.holds()).isEmpty();
		});
	}

	@Test
	void aHoldLostBeforeCompletionFailsTheResult() {
		this.contextRunner.withBean(AsyncLocked.class).run((context) -> {
			AsyncLocked locked = context.getBean(AsyncLocked.class);
			CompletableFuture<String> result = locked.shortLease("L");
			Thread.sleep(400);
			locked.complete("L", "too late");
			assertThatExceptionOfType(ExecutionException.class)
				.isThrownBy(() -> result.get(HANG_SECONDS, TimeUnit.SECONDS))
				.withCauseInstanceOf(LockLostException.class);
			assertThat(context.getBean(LockRegistry.class).holds()).isEmpty();
		});
	}

	@Test
	void aMethodThatThrowsInsteadOfReturningAStageReleasesAtOnce() {
		this.contextRunner.withBean(AsyncLocked.class).run((context) -> {
			AsyncLocked locked = context.getBean(AsyncLocked.class);
			assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> locked.throwsAtOnce("T"));
			assertThat(locked.returnsNull("N")).isNull();
			assertThat(context.getBean(LockRegistry.class).holds()).isEmpty();
		});
	}

	@Test
	void aMonoIsRefusedAtStartupNamingTheMethod() {
		assertStartupFails(this.contextRunner, MonoLocked.class, "MonoLocked.find", "Mono", "CompletableFuture");
	}

	@Test
	void aFluxIsRefusedAtStartupNamingTheMethod() {
		assertStartupFails(this.contextRunner, FluxLocked.class, "FluxLocked.all", "Flux");
	}

	@Test
	void aPlainFutureIsRefusedAtStartupNamingTheMethod() {
		assertStartupFails(this.contextRunner, FutureLocked.class, "FutureLocked.submit", "Future");
	}

	@Test
	void aCompletableFutureReturnedAsObjectIsNotReleasedSilentlyAtReturn() {
		this.contextRunner.withBean(ObjectReturning.class).run((context) -> {
			ObjectReturning handler = context.getBean(ObjectReturning.class);
			LockRegistry registry = context.getBean(LockRegistry.class);
			Object result = handler.handle("K", new CompletableFuture<String>());
			assertThat(result).isInstanceOf(CompletableFuture.class);
			assertThat((CompletableFuture<?>) result).isNotDone();
			assertThat(registry.holds()).as("the work of the returned future still runs, so its lock must be held")
				.hasSize(1);
			assertThatExceptionOfType(LockAcquisitionException.class).isThrownBy(() -> handler.handle("K", "again"));
			handler.complete("done");
			assertThat(((CompletableFuture<?>) result).get(HANG_SECONDS, TimeUnit.SECONDS)).isEqualTo("done");
			assertThat(registry.holds()).isEmpty();
		});
	}

	@Test
	void aMonoOrFutureReturnedAsObjectReleasesItsLockAndFailsNamingTheMethod() {
		this.contextRunner.withBean(ObjectReturning.class).run((context) -> {
			ObjectReturning handler = context.getBean(ObjectReturning.class);
			for (Object late : new Object[] { Mono.just("x"), new FutureTask<>(() -> "x") }) {
				assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> handler.handle("M", late))
					.withMessageContaining("ObjectReturning.handle")
					.withMessageContaining(late.getClass().getName());
				assertThat(context.getBean(LockRegistry.class).holds()).isEmpty();
			}
		});
	}

	@Test
	void aPlainValueReturnedAsObjectReleasesAtReturn() {
		this.contextRunner.withBean(ObjectReturning.class).run((context) -> {
			assertThat(context.getBean(ObjectReturning.class).handle("V", "value")).isEqualTo("value");
			assertThat(context.getBean(LockRegistry.class).holds()).isEmpty();
		});
	}

	/** A generic handler, as with {@code Handler<T> { T handle(String key); }}: the declared type is Object. */
	static class ObjectReturning {

		private volatile CompletableFuture<String> pending;

		// Called through the proxy, whose own fields are not the target's.
		public void complete(String value) {
			this.pending.complete(value);
		}

		@DistributedLock(prefix = "obj", key = "#key", waitTime = "0s")
		@SuppressWarnings("unchecked")
		public Object handle(String key, Object result) {
			if (result instanceof CompletableFuture<?> future) {
				this.pending = (CompletableFuture<String>) future;
			}
			return result;
		}

	}

	static class AsyncLocked {

		private final Map<String, CompletableFuture<String>> pending = new ConcurrentHashMap<>();

		// Called through the proxy, whose own fields are not the target's.
		public void complete(String key, String value) {
			this.pending.remove(key).complete(value);
		}

		public void fail(String key, Throwable failure) {
			this.pending.remove(key).completeExceptionally(failure);
		}

		@DistributedLock(prefix = "async", key = "#key", waitTime = "0s")
		public CompletableFuture<String> start(String key) {
			CompletableFuture<String> work = new CompletableFuture<>();
			this.pending.put(key, work);
			return work;
		}

		@DistributedLock(prefix = "async", key = "#key", waitTime = "0s")
		public CompletionStage<String> stage(String key) {
			return start(key);
		}

		@DistributedLock(prefix = "async", key = "#key", waitTime = "0s", leaseTime = "100ms")
		public CompletableFuture<String> shortLease(String key) {
			return start(key);
		}

		@DistributedLock(prefix = "async", key = "#key", waitTime = "0s")
		public CompletableFuture<String> throwsAtOnce(String key) {
			throw new IllegalStateException("no work started");
		}

		@DistributedLock(prefix = "async", key = "#key", waitTime = "0s")
		public CompletableFuture<String> returnsNull(String key) {
			return null;
		}

	}

	static class MonoLocked {

		@DistributedLock(key = "#id")
		public Mono<String> find(String id) {
			return Mono.just(id);
		}

	}

	static class FluxLocked {

		@DistributedLock(key = "#id")
		public Flux<String> all(String id) {
			return Flux.just(id);
		}

	}

	static class FutureLocked {

		@DistributedLock(key = "#id")
		public Future<String> submit(String id) {
			return CompletableFuture.completedFuture(id);
		}

	}

}
