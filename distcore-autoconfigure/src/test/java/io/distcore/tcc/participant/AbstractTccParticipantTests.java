package io.distcore.tcc.participant;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.tcc.Phase;
import io.distcore.tcc.TccAction;
import io.distcore.tcc.TccBinding;
import io.distcore.tcc.TccBinding.ActiveTransaction;
import io.distcore.tcc.TccBinding.InboundBranch;
import io.distcore.tcc.TccContext;
import io.distcore.tcc.TccDuplicateTryException;
import io.distcore.tcc.TccException;
import io.distcore.tcc.TccParticipant;
import io.distcore.tcc.TccTryRefusedException;
import io.distcore.tcc.autoconfigure.TccAutoConfiguration;
import io.distcore.test.JdbcEndpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.transaction.annotation.Transactional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The barrier on a real database, driven the way the coordinator and the web filter drive it: a test
 * {@link ActiveTransaction} or an {@link InboundBranch} bound through {@link TccBinding}, phase two through
 * {@link TccParticipant#complete}. What the business methods did is counted in an effects table (the oracle),
 * written in the phases' own local transactions.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class AbstractTccParticipantTests {

	private final String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 10);

	private final String barrierTable = "tcc_barrier_" + this.suffix;

	private final String effectsTable = "tcc_effects_" + this.suffix;

	/** Cancels racing each other for the hanging try's branch. */
	private static final int CANCELS = 4;

	private HikariDataSource pool;

	private JdbcTemplate jdbc;

	private ApplicationContextRunner runner;

	protected abstract JdbcEndpoint endpoint();

	@BeforeAll
	void createTables() {
		this.pool = endpoint().dataSource(24);
		this.jdbc = new JdbcTemplate(this.pool);
		this.jdbc.execute("CREATE TABLE " + this.effectsTable
				+ " (xid VARCHAR(128) NOT NULL, branch_id VARCHAR(64) NOT NULL, phase VARCHAR(16) NOT NULL, detail VARCHAR(500))");
		this.runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
					DataSourceTransactionManagerAutoConfiguration.class, TccAutoConfiguration.class))
			.withBean("dataSource", DataSource.class, () -> new DelegatingDataSource(this.pool))
			.withPropertyValues("distcore.tcc.barrier-table=" + this.barrierTable,
					"distcore.tcc.security.secret=participant-tests-secret-0123456789abcdef",
					"distcore.tcc.initialize-schema=always", "test.effects-table=" + this.effectsTable)
			.withUserConfiguration(Participants.class);
	}

	@AfterAll
	void dropTables() {
		if (this.jdbc != null) {
			this.jdbc.execute("DROP TABLE IF EXISTS " + this.effectsTable);
			this.jdbc.execute("DROP TABLE IF EXISTS " + this.barrierTable);
		}
		if (this.pool != null) {
			this.pool.close();
		}
	}

	@Test
	void localBranchIsEnlistedAndConfirmSeesTheTryArgumentsTypedAndTheValuesItPut() {
		run((context) -> {
			Inventory inventory = context.getBean(Inventory.class);
			TestTransaction transaction = new TestTransaction(xid());
			String result;
			try (TccBinding.Scope scope = TccBinding.bind(transaction)) {
				result = inventory.reserve("A1", 3, List.of(new Item("x", 1), new Item("y", 2)));
			}
			assertThat(result).isEqualTo("reserved A1");
			assertThat(transaction.enlisted).containsExactly("local:inventory.reserve");
			TccParticipant participant = context.getBean(TccParticipant.class);
			participant.complete(transaction.xid(), "1", Phase.CONFIRM);
			participant.complete(transaction.xid(), "1", Phase.CONFIRM);
			assertThat(effects(transaction.xid(), "1", "TRY")).containsExactly("A1x3");
			// The generic List<Item> comes back as Items, the int as an Integer, the put value as put.
			assertThat(effects(transaction.xid(), "1", "CONFIRM")).containsExactly("A1x3 items=x:1,y:2 note=R-A1 first=x");
			assertThat(effects(transaction.xid(), "1", "CANCEL")).isEmpty();
		});
	}

	@Test
	void duplicateCancelsRunTheCancelOnce() {
		run((context) -> {
			String xid = xid();
			inbound(xid, "b1", () -> context.getBean(Inventory.class).reserve("B2", 1, List.of()));
			TccParticipant participant = context.getBean(TccParticipant.class);
			for (int i = 0; i < 3; i++) {
				participant.complete(xid, "b1", Phase.CANCEL);
			}
			assertThat(effects(xid, "b1", "CANCEL")).containsExactly("B2x1 note=R-B2");
			assertThat(effects(xid, "b1", "CONFIRM")).isEmpty();
		});
	}

	@Test
	void cancelBeforeTryIsAnEmptyRollbackAndTheLateTryIsRefusedWithoutRunning() {
		run((context) -> {
			String xid = xid();
			TccParticipant participant = context.getBean(TccParticipant.class);
			participant.complete(xid, "7", Phase.CANCEL);
			assertThat(allEffects(xid)).isEmpty();
			assertThatExceptionOfType(TccTryRefusedException.class)
				.isThrownBy(() -> inbound(xid, "7", () -> context.getBean(Inventory.class).reserve("C3", 1, List.of())))
				.satisfies((ex) -> assertThat(ex.getBranchId()).isEqualTo("7"));
			participant.complete(xid, "7", Phase.CANCEL);
			assertThat(allEffects(xid)).isEmpty();
			// A second late try is refused too: the marker is not queued for deletion.
			assertThatExceptionOfType(TccTryRefusedException.class)
				.isThrownBy(() -> inbound(xid, "7", () -> context.getBean(Inventory.class).reserve("C3", 1, List.of())));
			assertThat(allEffects(xid)).isEmpty();
		});
	}

	/**
	 * A load balancer that retries a try whose reply was lost delivers the same branch's try again: that is not a
	 * refusal (the first try reserved), and the business code must not run twice.
	 */
	@Test
	void aRepeatedTryIsADuplicateNotARefusalAndRunsNothing() {
		run((context) -> {
			String xid = xid();
			Inventory inventory = context.getBean(Inventory.class);
			inbound(xid, "1", () -> inventory.reserve("K1", 2, List.of()));
			assertThatExceptionOfType(TccDuplicateTryException.class)
				.isThrownBy(() -> inbound(xid, "1", () -> inventory.reserve("K1", 2, List.of())))
				.isNotInstanceOf(TccTryRefusedException.class)
				.satisfies((ex) -> assertThat(ex.getBranchId()).isEqualTo("1"));
			assertThat(effects(xid, "1", "TRY")).containsExactly("K1x2");
			TccParticipant participant = context.getBean(TccParticipant.class);
			participant.complete(xid, "1", Phase.CANCEL);
			assertThat(effects(xid, "1", "CANCEL")).containsExactly("K1x2 note=R-K1");
			// Still a duplicate once cancelled: the row says a try wrote it, not an empty rollback.
			assertThatExceptionOfType(TccDuplicateTryException.class)
				.isThrownBy(() -> inbound(xid, "1", () -> inventory.reserve("K1", 2, List.of())));
			assertThat(effects(xid, "1", "TRY")).hasSize(1);
		});
	}

	/**
	 * The retry arrives while the first try is still running (the caller's read timeout was shorter than the try):
	 * it waits for the first try's row, then is a duplicate if that try committed.
	 */
	@Test
	void aRepeatedTryWaitingForTheFirstIsADuplicateOnceTheFirstCommits() throws Exception {
		run((context) -> {
			String xid = xid();
			Hooks hooks = context.getBean(Hooks.class);
			hooks.entered = new CountDownLatch(1);
			hooks.release = new CountDownLatch(1);
			Inventory inventory = context.getBean(Inventory.class);
			ExecutorService threads = Executors.newFixedThreadPool(2);
			try {
				Future<Object> first = threads.submit(() -> inbound(xid, "1", () -> inventory.reserve("L2", 1, List.of())));
				assertThat(hooks.entered.await(30, TimeUnit.SECONDS)).isTrue();
				Future<Object> repeated = threads.submit(() -> inbound(xid, "1", () -> inventory.reserve("L2", 1, List.of())));
				Thread.sleep(300);
				hooks.release.countDown();
				assertThat(first.get(60, TimeUnit.SECONDS)).isEqualTo("reserved L2");
				assertThatExceptionOfType(java.util.concurrent.ExecutionException.class)
					.isThrownBy(() -> repeated.get(60, TimeUnit.SECONDS))
					.withCauseInstanceOf(TccDuplicateTryException.class);
			}
			finally {
				hooks.release.countDown();
				hooks.entered = null;
				threads.shutdownNow();
			}
			assertThat(effects(xid, "1", "TRY")).containsExactly("L2x1");
		});
	}

	@Test
	void aTryThatThrowsStoresNothingAndItsCancelIsAnEmptyRollback() {
		run((context) -> {
			String xid = xid();
			Hooks hooks = context.getBean(Hooks.class);
			hooks.failTry = true;
			assertThatExceptionOfType(IllegalStateException.class)
				.isThrownBy(() -> inbound(xid, "1", () -> context.getBean(Inventory.class).reserve("D4", 1, List.of())))
				.withMessage("no stock for D4");
			assertThat(allEffects(xid)).isEmpty();
			assertThat(barrierRows(xid)).isZero();
			context.getBean(TccParticipant.class).complete(xid, "1", Phase.CANCEL);
			assertThat(allEffects(xid)).isEmpty();
			hooks.failTry = false;
			assertThatExceptionOfType(TccTryRefusedException.class)
				.isThrownBy(() -> inbound(xid, "1", () -> context.getBean(Inventory.class).reserve("D4", 1, List.of())));
		});
	}

	@Test
	void aFailingConfirmRollsBackItsBarrierRowSoTheRetryRunsIt() {
		run((context) -> {
			String xid = xid();
			inbound(xid, "1", () -> context.getBean(Inventory.class).reserve("E5", 2, List.of()));
			Hooks hooks = context.getBean(Hooks.class);
			hooks.failConfirm = true;
			TccParticipant participant = context.getBean(TccParticipant.class);
			assertThatExceptionOfType(IllegalStateException.class)
				.isThrownBy(() -> participant.complete(xid, "1", Phase.CONFIRM))
				.withMessage("confirm failed");
			assertThat(effects(xid, "1", "CONFIRM")).isEmpty();
			hooks.failConfirm = false;
			participant.complete(xid, "1", Phase.CONFIRM);
			participant.complete(xid, "1", Phase.CONFIRM);
			assertThat(effects(xid, "1", "CONFIRM")).containsExactly("E5x2 items= note=R-E5");
		});
	}

	@Test
	void aSecondActionInTheSameInboundBranchFails() {
		run((context) -> {
			String xid = xid();
			Inventory inventory = context.getBean(Inventory.class);
			try (TccBinding.Scope scope = TccBinding.bind(new InboundBranch(xid, "1"))) {
				inventory.reserve("F6", 1, List.of());
				assertThatExceptionOfType(TccException.class)
					.isThrownBy(() -> inventory.reserve("F6", 1, List.of()))
					.withMessageContaining("already ran an action");
			}
			assertThat(effects(xid, "1", "TRY")).containsExactly("F6x1");
		});
	}

	@Test
	void anActionCalledOutsideAnyTransactionFailsWithoutRunning() {
		run((context) -> {
			assertThatExceptionOfType(TccException.class)
				.isThrownBy(() -> context.getBean(Inventory.class).reserve("G7", 1, List.of()))
				.withMessageContaining("outside a global transaction");
			assertThat(this.jdbc.queryForObject("SELECT COUNT(*) FROM " + this.effectsTable + " WHERE detail LIKE 'G7%'",
					Integer.class)).isZero();
		});
	}

	/**
	 * Seata #6679: several cancels arrive while the try still holds its local transaction open. Neither may deadlock,
	 * neither may take the branch for an empty rollback, and the cancel business runs once, after the try.
	 */
	@RepeatedTest(5)
	void concurrentCancelsWhileTheTryHangsDoNotDeadlockAndCancelOnceAfterTheTry() throws Exception {
		run((context) -> {
			String xid = xid();
			Hooks hooks = context.getBean(Hooks.class);
			hooks.entered = new CountDownLatch(1);
			hooks.release = new CountDownLatch(1);
			TccParticipant participant = context.getBean(TccParticipant.class);
			ExecutorService threads = Executors.newFixedThreadPool(1 + CANCELS);
			try {
				Future<Object> tried = threads.submit(
						() -> inbound(xid, "1", () -> context.getBean(Inventory.class).reserve("H8", 5, List.of())));
				assertThat(hooks.entered.await(30, TimeUnit.SECONDS)).isTrue();
				List<Future<?>> cancels = new ArrayList<>();
				for (int i = 0; i < CANCELS; i++) {
					cancels.add(threads.submit(() -> participant.complete(xid, "1", Phase.CANCEL)));
				}
				Thread.sleep(500);
				// A cancel that finished now would have decided without seeing the try's row.
				assertThat(cancels).noneMatch(Future::isDone);
				hooks.release.countDown();
				assertThat(tried.get(60, TimeUnit.SECONDS)).isEqualTo("reserved H8");
				for (Future<?> cancel : cancels) {
					cancel.get(60, TimeUnit.SECONDS);
				}
			}
			finally {
				hooks.release.countDown();
				threads.shutdownNow();
			}
			assertThat(effects(xid, "1", "TRY")).containsExactly("H8x5");
			assertThat(effects(xid, "1", "CANCEL")).containsExactly("H8x5 note=R-H8");
		});
	}

	@Test
	void aCancelWaitingForATryThatThenFailsIsAnEmptyRollback() throws Exception {
		run((context) -> {
			String xid = xid();
			Hooks hooks = context.getBean(Hooks.class);
			hooks.entered = new CountDownLatch(1);
			hooks.release = new CountDownLatch(1);
			hooks.failTry = true;
			TccParticipant participant = context.getBean(TccParticipant.class);
			ExecutorService threads = Executors.newFixedThreadPool(2);
			try {
				Future<Object> tried = threads.submit(
						() -> inbound(xid, "1", () -> context.getBean(Inventory.class).reserve("J9", 1, List.of())));
				assertThat(hooks.entered.await(30, TimeUnit.SECONDS)).isTrue();
				Future<?> cancel = threads.submit(() -> participant.complete(xid, "1", Phase.CANCEL));
				Thread.sleep(300);
				hooks.release.countDown();
				assertThatExceptionOfType(java.util.concurrent.ExecutionException.class)
					.isThrownBy(() -> tried.get(60, TimeUnit.SECONDS))
					.withRootCauseInstanceOf(IllegalStateException.class);
				cancel.get(60, TimeUnit.SECONDS);
			}
			finally {
				hooks.release.countDown();
				threads.shutdownNow();
			}
			assertThat(allEffects(xid)).isEmpty();
			hooks.entered = null;
			hooks.failTry = false;
			assertThatExceptionOfType(TccTryRefusedException.class)
				.isThrownBy(() -> inbound(xid, "1", () -> context.getBean(Inventory.class).reserve("J9", 1, List.of())));
			assertThat(allEffects(xid)).isEmpty();
		});
	}

	@Test
	void aConfirmOfABranchThatNeverTriedFailsAndRecordsNothing() {
		run((context) -> {
			String xid = xid();
			TccParticipant participant = context.getBean(TccParticipant.class);
			assertThatExceptionOfType(TccException.class).isThrownBy(() -> participant.complete(xid, "1", Phase.CONFIRM))
				.withMessageContaining("its try never ran here");
			assertThat(barrierRows(xid)).isZero();
			assertThatExceptionOfType(IllegalArgumentException.class)
				.isThrownBy(() -> participant.complete(xid, "1", Phase.TRY));
		});
	}

	/**
	 * Many threads deliver every phase of many branches several times, in random order, racing late tries against
	 * empty rollbacks. The effects table must show each branch's confirm or cancel exactly once, and a cancel for
	 * every try that got in.
	 */
	@Test
	void concurrentDuplicateDeliveriesRunEachPhaseOnce() throws Exception {
		run((context) -> {
			String xid = xid();
			Inventory inventory = context.getBean(Inventory.class);
			TccParticipant participant = context.getBean(TccParticipant.class);
			int branches = 24;
			for (int b = 0; b < branches; b++) {
				if (b % 3 != 2) {
					String branch = "s" + b;
					inbound(xid, branch, () -> inventory.reserve("S" + branch, 1, List.of()));
				}
			}
			List<Callable<Object>> deliveries = new ArrayList<>();
			for (int b = 0; b < branches; b++) {
				String branch = "s" + b;
				Phase phase = (b % 3 == 0) ? Phase.CONFIRM : Phase.CANCEL;
				for (int copy = 0; copy < 4; copy++) {
					deliveries.add(() -> {
						participant.complete(xid, branch, phase);
						return null;
					});
				}
				if (b % 3 == 2) {
					for (int copy = 0; copy < 2; copy++) {
						deliveries.add(() -> {
							try {
								return inbound(xid, branch, () -> inventory.reserve("S" + branch, 1, List.of()));
							}
							catch (TccTryRefusedException | TccDuplicateTryException ex) {
								return "refused or repeated";
							}
						});
					}
				}
			}
			Collections.shuffle(deliveries, new Random(42));
			ExecutorService threads = Executors.newFixedThreadPool(12);
			try {
				for (Future<Object> future : threads.invokeAll(deliveries, 120, TimeUnit.SECONDS)) {
					future.get();
				}
			}
			finally {
				threads.shutdownNow();
			}
			for (int b = 0; b < branches; b++) {
				String branch = "s" + b;
				int tries = effects(xid, branch, "TRY").size();
				int confirms = effects(xid, branch, "CONFIRM").size();
				int cancels = effects(xid, branch, "CANCEL").size();
				if (b % 3 == 0) {
					assertThat(List.of(tries, confirms, cancels)).as(branch).containsExactly(1, 1, 0);
				}
				else if (b % 3 == 1) {
					assertThat(List.of(tries, confirms, cancels)).as(branch).containsExactly(1, 0, 1);
				}
				else {
					// A late try either lost to the empty rollback, or got in first and was then cancelled.
					assertThat(tries).as(branch).isLessThanOrEqualTo(1);
					assertThat(cancels).as(branch).isEqualTo(tries);
					assertThat(confirms).as(branch).isZero();
				}
			}
		});
	}

	@Test
	void purgeDeletesFinishedBranchesInBatchesAndKeepsUnfinishedOnes() {
		run((context) -> {
			String xid = xid();
			Inventory inventory = context.getBean(Inventory.class);
			TccParticipant participant = context.getBean(TccParticipant.class);
			for (int b = 0; b < 5; b++) {
				String branch = "p" + b;
				inbound(xid, branch, () -> inventory.reserve("P" + branch, 1, List.of()));
				participant.complete(xid, branch, (b % 2 == 0) ? Phase.CONFIRM : Phase.CANCEL);
			}
			participant.complete(xid, "empty", Phase.CANCEL);
			inbound(xid, "open", () -> inventory.reserve("Popen", 1, List.of()));
			TccBarrierStore store = context.getBean(TccBarrierStore.class);
			assertThat(store.purge(java.time.Duration.ofHours(1), 2)).isZero();
			assertThat(barrierRows(xid)).isEqualTo(5 * 2 + 2 + 1);
			sleepPastMillisecond();
			assertThat(store.purge(java.time.Duration.ZERO, 2)).isGreaterThanOrEqualTo(6);
			assertThat(barrierRows(xid)).isOne();
			// The branch that only tried keeps its row and can still be cancelled with its arguments.
			participant.complete(xid, "open", Phase.CANCEL);
			assertThat(effects(xid, "open", "CANCEL")).containsExactly("Popenx1 note=R-Popen");
		});
	}

	private void run(ContextTest test) {
		this.runner.run((context) -> {
			assertThat(context).hasNotFailed();
			test.run(context);
		});
	}

	private static String xid() {
		return "x-" + UUID.randomUUID();
	}

	private static Object inbound(String xid, String branchId, Callable<Object> call) throws Exception {
		try (TccBinding.Scope scope = TccBinding.bind(new InboundBranch(xid, branchId))) {
			return call.call();
		}
	}

	private List<String> effects(String xid, String branchId, String phase) {
		return this.jdbc.queryForList("SELECT detail FROM " + this.effectsTable
				+ " WHERE xid = ? AND branch_id = ? AND phase = ?", String.class, xid, branchId, phase);
	}

	private List<Map<String, Object>> allEffects(String xid) {
		return this.jdbc.queryForList("SELECT * FROM " + this.effectsTable + " WHERE xid = ?", xid);
	}

	private int barrierRows(String xid) {
		return this.jdbc.queryForObject("SELECT COUNT(*) FROM " + this.barrierTable + " WHERE xid = ?", Integer.class,
				xid);
	}

	private static void sleepPastMillisecond() {
		try {
			Thread.sleep(20);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@FunctionalInterface
	interface ContextTest {

		void run(AssertableApplicationContext context) throws Exception;

	}

	record Item(String name, int count) {
	}

	/** Plays the coordinator: numbers branches and records what was enlisted. */
	static final class TestTransaction implements ActiveTransaction {

		private final String xid;

		private final AtomicInteger branches = new AtomicInteger();

		final List<String> enlisted = new CopyOnWriteArrayList<>();

		TestTransaction(String xid) {
			this.xid = xid;
		}

		@Override
		public String xid() {
			return this.xid;
		}

		@Override
		public String enlist(String transport, String address) {
			this.enlisted.add(transport + ":" + address);
			return String.valueOf(this.branches.incrementAndGet());
		}

	}

	static final class Hooks {

		volatile boolean failTry;

		volatile boolean failConfirm;

		volatile CountDownLatch entered;

		volatile CountDownLatch release;

	}

	/** A participant behind a transactional proxy, as applications write them. */
	@Transactional
	static class Inventory {

		private final JdbcTemplate jdbc;

		private final String effects;

		private final Hooks hooks;

		Inventory(DataSource dataSource, String effects, Hooks hooks) {
			this.jdbc = new JdbcTemplate(dataSource);
			this.effects = effects;
			this.hooks = hooks;
		}

		@TccAction(confirmMethod = "confirm", cancelMethod = "cancel")
		public String reserve(String sku, int quantity, List<Item> items) throws InterruptedException {
			TccContext context = TccContext.current();
			record(context, sku + "x" + quantity);
			context.put("note", "R-" + sku);
			context.put("first", items.isEmpty() ? null : items.get(0));
			CountDownLatch entered = this.hooks.entered;
			if (entered != null) {
				entered.countDown();
				this.hooks.release.await(60, TimeUnit.SECONDS);
			}
			if (this.hooks.failTry) {
				throw new IllegalStateException("no stock for " + sku);
			}
			return "reserved " + sku;
		}

		public void confirm(TccContext context) {
			String sku = context.argument("sku", String.class);
			Integer quantity = context.argument(1, Integer.class);
			@SuppressWarnings("unchecked")
			List<Item> items = context.argument("items", List.class);
			StringBuilder detail = new StringBuilder(sku + "x" + quantity + " items=");
			for (int i = 0; i < items.size(); i++) {
				Item item = items.get(i);
				detail.append((i > 0) ? "," : "").append(item.name()).append(':').append(item.count());
			}
			Item first = context.get("first", Item.class);
			record(context, detail + " note=" + context.get("note", String.class)
					+ ((first != null) ? " first=" + first.name() : ""));
			if (this.hooks.failConfirm) {
				throw new IllegalStateException("confirm failed");
			}
		}

		public void cancel(TccContext context) {
			record(context, context.argument("sku", String.class) + "x" + context.argument("quantity", Integer.class)
					+ " note=" + context.get("note", String.class));
		}

		private void record(TccContext context, String detail) {
			this.jdbc.update("INSERT INTO " + this.effects + " (xid, branch_id, phase, detail) VALUES (?, ?, ?, ?)",
					context.xid(), context.branchId(), context.phase().name(), detail);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Participants {

		@Bean
		Hooks hooks() {
			return new Hooks();
		}

		@Bean
		Inventory inventory(DataSource dataSource, @Value("${test.effects-table}") String effects, Hooks hooks) {
			return new Inventory(dataSource, effects, hooks);
		}

	}

}
