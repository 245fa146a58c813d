package io.distcore.tcc.autoconfigure;

import java.time.Duration;
import java.util.EnumSet;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.tcc.TccBinding;
import io.distcore.tcc.TccException;
import io.distcore.tcc.TccTransaction;
import io.distcore.tcc.aop.TccTransactionAspect;
import io.distcore.tcc.coordinator.JdbcTccLogStore;
import io.distcore.tcc.coordinator.RecordingParticipant;
import io.distcore.tcc.coordinator.TccCoordinator;
import io.distcore.tcc.coordinator.TccRecovery;
import io.distcore.tcc.coordinator.TransactionRecord;
import io.distcore.tcc.coordinator.TransactionState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Wiring of the coordinator: when it backs off, startup validation, the advice on real beans, and recovery by a
 * new context of what a closed one left unfinished. On H2, tables under a unique prefix.
 */
class TccCoordinatorConfigurationTests {

	private final String prefix = "tcc" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";

	private final String url = "jdbc:h2:mem:" + this.prefix + ";DB_CLOSE_DELAY=-1";

	private final ApplicationContextRunner withoutDatabase = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, DistcoreAutoConfiguration.class,
				TccAutoConfiguration.class))
		.withPropertyValues("distcore.tcc.security.insecure-development=true");

	private final ApplicationContextRunner runner = this.withoutDatabase
		.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
		.withPropertyValues("spring.datasource.url=" + this.url, "distcore.tcc.table-prefix=" + this.prefix);

	@Test
	void backsOffWithoutADataSource() {
		this.withoutDatabase.withUserConfiguration(TestOrders.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(TccCoordinator.class).doesNotHaveBean(TccTransactionAspect.class);
		});
	}

	@Test
	void backsOffWhenTccIsDisabled() {
		this.runner.withPropertyValues("distcore.tcc.enabled=false").run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(TccCoordinator.class).doesNotHaveBean(TccTransactionAspect.class);
		});
	}

	@ParameterizedTest
	@CsvSource({ "distcore.tcc.default-timeout, 0s", "distcore.tcc.max-retry-time, -1s", "distcore.tcc.retention, 0s",
			"distcore.tcc.retention, 24h", "distcore.tcc.retry.initial-interval, 0ms", "distcore.tcc.retry.max-interval, 10ms",
			"distcore.tcc.retry.multiplier, 0.5", "distcore.tcc.retry.jitter, 1.5", "distcore.tcc.recovery.interval, 0s",
			"distcore.tcc.recovery.claim-lease, 0s", "distcore.tcc.recovery.batch-size, 0",
			"distcore.tcc.table-prefix, 'bad-prefix;'", "distcore.tcc.coordinator.query-timeout, 500ms" })
	void badPropertyFailsTheStartupNamingIt(String property, String value) {
		this.runner.withPropertyValues(property + "=" + value).run((context) -> {
			assertThat(context).hasFailed();
			Throwable cause = context.getStartupFailure();
			while (cause != null && !(cause instanceof InvalidConfigurationPropertyValueException)) {
				cause = cause.getCause();
			}
			assertThat(cause).as("InvalidConfigurationPropertyValueException in " + context.getStartupFailure())
				.isNotNull();
			assertThat(((InvalidConfigurationPropertyValueException) cause).getName()).isEqualTo(property);
		});
	}

	@Test
	void aRetentionLongerThanTheRetriesPlusTheTimeoutStarts() {
		this.runner
			.withPropertyValues("distcore.tcc.retention=2h", "distcore.tcc.max-retry-time=1h",
					"distcore.tcc.default-timeout=30s")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(TccCoordinator.class));
	}

	@Test
	void aRetentionThatEndsBeforeTheLastRetryFailsAndSaysWhatToChange() {
		this.runner
			.withPropertyValues("distcore.tcc.retention=1h", "distcore.tcc.max-retry-time=1h",
					"distcore.tcc.default-timeout=30s")
			.run((context) -> assertThat(context).hasFailed()
				.getFailure()
				.rootCause()
				.isInstanceOf(InvalidConfigurationPropertyValueException.class)
				.hasMessageContaining("distcore.tcc.retention")
				.hasMessageContaining("distcore.tcc.max-retry-time (PT1H)"));
	}

	@ParameterizedTest
	@CsvSource({ "NotADuration, timeout 'soon'", "Negative, timeout '-5s'", "ReturnsFuture, returns CompletableFuture",
			"ReturnsPublisher, returns Mono" })
	void badTccTransactionMethodFailsTheStartupNamingBeanAndMethod(String type, String problem) throws Exception {
		Class<?> beanClass = Class.forName(TccCoordinatorConfigurationTests.class.getName() + "$" + type);
		this.runner.withBean("badOrders", beanClass).run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasMessageContaining("'badOrders'")
				.hasMessageContaining(type + ".place")
				.hasMessageContaining(problem);
		});
	}

	@Test
	void startsWhileTheDatabaseIsDownAndFailsTheFirstTransactionOnly() {
		this.withoutDatabase.withConfiguration(AutoConfigurations.of(DataSourceAutoConfiguration.class))
			.withUserConfiguration(TestOrders.class)
			.withPropertyValues("spring.datasource.url=jdbc:h2:tcp://127.0.0.1:1/nothing-here",
					"spring.datasource.hikari.connection-timeout=250")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThatExceptionOfType(TccException.class)
					.isThrownBy(() -> context.getBean(TestOrders.Service.class).place(1, false))
					.withMessageContaining("Could not begin");
			});
	}

	@Test
	void tablesAreLeftToTheApplicationWhenToldNever() {
		this.runner.withUserConfiguration(TestOrders.class)
			.withPropertyValues("distcore.tcc.initialize-schema=never")
			.run((context) -> assertThatExceptionOfType(TccException.class)
				.isThrownBy(() -> context.getBean(TestOrders.Service.class).place(1, false))
				.withMessageContaining("Could not begin"));
	}

	@Test
	void noRecoveryThreadWithoutATccTransactionMethod() {
		this.runner.run((context) -> {
			assertThat(context).hasSingleBean(TccRecovery.class);
			assertThat(context.getBean(TccRecovery.class).isRunning()).isFalse();
			assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
				.doesNotContain("distcore-tcc-recovery");
		});
	}

	@Test
	void noRecoveryThreadWhenRecoveryIsDisabled() {
		this.runner.withUserConfiguration(TestOrders.class)
			.withPropertyValues("distcore.tcc.recovery.enabled=false")
			.run((context) -> assertThat(context.getBean(TccRecovery.class).isRunning()).isFalse());
	}

	@Test
	void recoveryRunsInAnApplicationThatCoordinates() {
		this.runner.withUserConfiguration(TestOrders.class).run((context) -> {
			assertThat(context.getBean(TccRecovery.class).isRunning()).isTrue();
		});
	}

	@Test
	void annotatedMethodRunsAsAGlobalTransaction() {
		this.runner.withUserConfiguration(TestOrders.class).run((context) -> {
			TestOrders.Service orders = context.getBean(TestOrders.Service.class);
			RecordingParticipant participant = context.getBean(RecordingParticipant.class);
			String xid = orders.place(1, false);
			assertThat(participant.succeeded()).singleElement()
				.satisfies((call) -> assertThat(call.xid()).isEqualTo(xid));
			JdbcTccLogStore store = context.getBean(JdbcTccLogStore.class);
			TransactionRecord transaction = store.find(xid).orElseThrow();
			assertThat(transaction.state()).isEqualTo(TransactionState.CONFIRMED);
			assertThat(transaction.name()).isEqualTo("Service.place");
			assertThatIllegalStateException().isThrownBy(() -> orders.place(1, true)).withMessage("refused");
			assertThat(store.list(EnumSet.of(TransactionState.CANCELLED), null, 10)).hasSize(1);
			assertThat(TccBinding.currentTransaction()).isNull();
		});
	}

	@Test
	void newContextFinishesWhatAClosedOneLeftBetweenTryAndConfirm() {
		AtomicReference<String> xid = new AtomicReference<>();
		this.runner.withUserConfiguration(TestOrders.class).run((context) -> {
			context.getBean(RecordingParticipant.class).failAlways(true);
			xid.set(context.getBean(TestOrders.Service.class).place(1, false));
			assertThat(context.getBean(JdbcTccLogStore.class).find(xid.get()).orElseThrow().state())
				.isEqualTo(TransactionState.CONFIRMING);
		});
		this.runner.withUserConfiguration(TestOrders.class)
			.withPropertyValues("distcore.tcc.recovery.interval=100ms", "distcore.tcc.retry.initial-interval=100ms")
			.run((context) -> {
				JdbcTccLogStore store = context.getBean(JdbcTccLogStore.class);
				awaitState(store, xid.get(), TransactionState.CONFIRMED);
				assertThat(context.getBean(RecordingParticipant.class).succeeded()).singleElement()
					.satisfies((call) -> assertThat(call.xid()).isEqualTo(xid.get()));
			});
	}

	private static void awaitState(JdbcTccLogStore store, String xid, TransactionState state)
			throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
		while (store.find(xid).orElseThrow().state() != state && System.nanoTime() < deadline) {
			Thread.sleep(50);
		}
		assertThat(store.find(xid).orElseThrow().state()).isEqualTo(state);
	}

	static class NotADuration {

		@TccTransaction(timeout = "soon")
		public void place() {
		}

	}

	static class ReturnsFuture {

		@TccTransaction
		public java.util.concurrent.CompletableFuture<String> place() {
			return java.util.concurrent.CompletableFuture.completedFuture("x");
		}

	}

	static class ReturnsPublisher {

		@TccTransaction
		public reactor.core.publisher.Mono<String> place() {
			return reactor.core.publisher.Mono.just("x");
		}

	}

	static class Negative {

		@TccTransaction(timeout = "-5s")
		public void place() {
		}

	}


}
