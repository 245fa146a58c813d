package io.distcore.tcc.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.tcc.coordinator.JdbcTccLogStore;
import io.distcore.tcc.coordinator.RecordingParticipant;
import io.distcore.tcc.coordinator.TransactionRecord;
import io.distcore.tcc.coordinator.TransactionState;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TcpProxy;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whole applications on PostgreSQL: two instances of the initiator on one log, and the log's database going away
 * in the middle of phase two (a TCP proxy in front of PostgreSQL).
 */
class TccCoordinatorPostgreSqlInstancesTests {

	private final JdbcEndpoint postgres = TestServices.postgres();

	private final String prefix = "tcc" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, DataSourceAutoConfiguration.class,
				DistcoreAutoConfiguration.class, TccAutoConfiguration.class))
		.withUserConfiguration(TestOrders.class)
		.withPropertyValues("distcore.tcc.security.insecure-development=true", "distcore.tcc.table-prefix=" + this.prefix,
				"distcore.tcc.initialize-schema=always", "distcore.tcc.recovery.interval=50ms",
				"distcore.tcc.retry.initial-interval=50ms", "distcore.tcc.retry.max-interval=200ms",
				"spring.datasource.username=" + this.postgres.username(),
				"spring.datasource.password=" + this.postgres.password(),
				"spring.datasource.hikari.connection-timeout=1000");

	@AfterEach
	void dropTables() {
		JdbcTemplate admin = new JdbcTemplate(new DriverManagerDataSource(this.postgres.url(),
				this.postgres.username(), this.postgres.password()));
		admin.execute("DROP TABLE IF EXISTS " + this.prefix + "branch");
		admin.execute("DROP TABLE IF EXISTS " + this.prefix + "transaction");
	}

	@Test
	void twoInstancesRecoverEachTransactionExactlyOnce() {
		int orders = 40;
		ApplicationContextRunner direct = this.runner.withPropertyValues("spring.datasource.url=" + this.postgres.url());
		direct.run((first) -> direct.run((second) -> {
			RecordingParticipant firstParticipant = first.getBean(RecordingParticipant.class);
			RecordingParticipant secondParticipant = second.getBean(RecordingParticipant.class);
			// Every branch's first confirm fails, so recovery (of either instance) has to deliver it again.
			firstParticipant.failFirstOfEachBranch(1);
			TestOrders.Service service = first.getBean(TestOrders.Service.class);
			ExecutorService callers = Executors.newFixedThreadPool(4);
			List<CompletableFuture<String>> placed = new ArrayList<>();
			for (int i = 0; i < orders; i++) {
				placed.add(CompletableFuture.supplyAsync(() -> service.place(2, false), callers));
			}
			List<String> xids = placed.stream().map(CompletableFuture::join).toList();
			callers.shutdown();
			JdbcTccLogStore store = first.getBean(JdbcTccLogStore.class);
			awaitAll(store, xids, TransactionState.CONFIRMED);
			Map<String, Long> successes = Stream
				.concat(firstParticipant.succeeded().stream(), secondParticipant.succeeded().stream())
				.collect(Collectors.groupingBy((call) -> call.xid() + "/" + call.branchId(), Collectors.counting()));
			assertThat(successes).hasSize(orders * 2);
			assertThat(successes.values()).as("each branch confirmed by exactly one instance").containsOnly(1L);
			assertThat(firstParticipant.calls().size() + secondParticipant.calls().size()).isEqualTo(orders * 4);
		}));
	}

	@Test
	void logDatabaseDownDuringPhaseTwoLosesNothing() throws Exception {
		try (TcpProxy proxy = new TcpProxy("127.0.0.1", java.net.URI.create(this.postgres.url().substring(5)).getPort())) {
			String url = this.postgres.url().replace(":5432/", ":" + proxy.port() + "/");
			this.runner.withPropertyValues("spring.datasource.url=" + url).run((context) -> {
				RecordingParticipant participant = context.getBean(RecordingParticipant.class);
				// The participant confirms, then the coordinator's database goes away before it is recorded.
				participant.afterSuccess(proxy::down);
				String xid = context.getBean(TestOrders.Service.class).place(1, false);
				participant.afterSuccess(() -> {
				});
				Thread.sleep(300);
				proxy.up();
				awaitAll(context.getBean(JdbcTccLogStore.class), List.of(xid), TransactionState.CONFIRMED);
				assertThat(participant.succeeded()).extracting(RecordingParticipant.Call::xid).containsOnly(xid);
			});
		}
	}

	@Test
	void logDatabaseThatStopsAnsweringDuringPhaseTwoDoesNotHangTheCaller() throws Exception {
		try (TcpProxy proxy = new TcpProxy("127.0.0.1", java.net.URI.create(this.postgres.url().substring(5)).getPort())) {
			// Connections opened while the proxy swallows would otherwise wait for their login forever.
			String url = this.postgres.url().replace(":5432/", ":" + proxy.port() + "/")
					+ (this.postgres.url().contains("?") ? "&" : "?") + "loginTimeout=2";
			this.runner.withPropertyValues("spring.datasource.url=" + url, "distcore.tcc.coordinator.query-timeout=1s")
				.run((context) -> {
					RecordingParticipant participant = context.getBean(RecordingParticipant.class);
					participant.afterSuccess(proxy::swallow);
					CompletableFuture<String> placed = CompletableFuture
						.supplyAsync(() -> context.getBean(TestOrders.Service.class).place(1, false));
					String xid = placed.get(30, java.util.concurrent.TimeUnit.SECONDS);
					participant.afterSuccess(() -> {
					});
					proxy.up();
					awaitAll(context.getBean(JdbcTccLogStore.class), List.of(xid), TransactionState.CONFIRMED);
				});
		}
	}

	private static void awaitAll(JdbcTccLogStore store, List<String> xids, TransactionState state)
			throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (System.nanoTime() < deadline && !allIn(store, xids, state)) {
			Thread.sleep(100);
		}
		assertThat(store.list(EnumSet.noneOf(TransactionState.class), null, 10_000))
			.filteredOn((transaction) -> xids.contains(transaction.xid()))
			.extracting(TransactionRecord::state)
			.hasSize(xids.size())
			.containsOnly(state);
	}

	private static boolean allIn(JdbcTccLogStore store, List<String> xids, TransactionState state) {
		try {
			return store.list(EnumSet.of(state), null, 10_000).stream().filter((t) -> xids.contains(t.xid())).count() == xids
				.size();
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

}
