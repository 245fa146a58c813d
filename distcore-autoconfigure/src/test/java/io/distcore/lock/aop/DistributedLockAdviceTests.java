package io.distcore.lock.aop;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.lock.DistributedLock;
import io.distcore.lock.LockAcquisitionException;
import io.distcore.lock.LockFailureHandler;
import io.distcore.lock.LockListener;
import io.distcore.lock.LockLostException;
import io.distcore.lock.LockRegistry;
import io.distcore.lock.autoconfigure.LockAutoConfiguration;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

import static io.distcore.lock.aop.StartupFailures.assertStartupFails;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@link DistributedLock} on real Spring beans, over the in-JVM backend.
 */
class DistributedLockAdviceTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, DistcoreAutoConfiguration.class,
				LockAutoConfiguration.class))
		.withPropertyValues("distcore.lock.backend=local")
		.withUserConfiguration(Beans.class);

	@Test
	void keysComeFromArgumentsByNameByIndexAndByPath() {
		this.contextRunner.run((context) -> {
			Locked locked = context.getBean(Locked.class);
			Events events = context.getBean(Events.class);
			locked.byName("A1", 2);
			locked.byIndex("B2");
			locked.byPath(new Order("C3", 4));
			locked.withLiteralHash("D4");
			assertThat(events.acquired).containsExactly("stock:A1", "Locked.byIndex:B2", "order:C3",
					"Locked.withLiteralHash:sku#D4");
			assertThat(events.released).containsExactlyElementsOf(events.acquired);
		});
	}

	@Test
	void severalKeysAreTakenInSortedOrderAndReleasedInReverse() {
		this.contextRunner.run((context) -> {
			context.getBean(Locked.class).transfer("zeta", "alpha", List.of("mid", "beta"));
			Events events = context.getBean(Events.class);
			assertThat(events.acquired).containsExactly("acct:alpha", "acct:beta", "acct:mid", "acct:zeta");
			assertThat(events.released).containsExactly("acct:zeta", "acct:mid", "acct:beta", "acct:alpha");
		});
	}

	@Test
	void aNullOrBlankKeyFailsBeforeTheMethodRuns() {
		this.contextRunner.run((context) -> {
			Locked locked = context.getBean(Locked.class);
			assertThatExceptionOfType(InvalidLockKeyException.class).isThrownBy(() -> locked.byName(null, 1))
				.withMessageContaining("#sku")
				.withMessageContaining("null");
			assertThatExceptionOfType(InvalidLockKeyException.class).isThrownBy(() -> locked.byName("  ", 1))
				.withMessageContaining("blank");
			assertThat(locked.calls()).isZero();
			assertThat(context.getBean(Events.class).acquired).isEmpty();
		});
	}

	@Test
	void aHeldLockMakesTheCallFailWithoutRunningTheMethod() {
		this.contextRunner.run((context) -> {
			Locked locked = context.getBean(Locked.class);
			CountDownLatch inside = new CountDownLatch(1);
			CountDownLatch leave = new CountDownLatch(1);
			CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> locked.hold("K", inside, leave));
			assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
			int before = locked.calls();
			assertThatExceptionOfType(LockAcquisitionException.class).isThrownBy(() -> locked.quick("K"))
				.satisfies((ex) -> assertThat(ex.getLockName()).isEqualTo("hold:K"));
			assertThat(locked.calls()).isEqualTo(before);
			leave.countDown();
			holder.get(10, TimeUnit.SECONDS);
			locked.quick("K");
			assertThat(locked.calls()).isEqualTo(before + 1);
		});
	}

	@Test
	void aFailureHandlerBeanDecidesTheResult() {
		this.contextRunner.run((context) -> {
			Locked locked = context.getBean(Locked.class);
			CountDownLatch inside = new CountDownLatch(1);
			CountDownLatch leave = new CountDownLatch(1);
			CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> locked.hold("H", inside, leave));
			assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
			assertThat(locked.withFallback("H")).isEqualTo("busy: hold:H");
			leave.countDown();
			holder.get(10, TimeUnit.SECONDS);
			assertThat(locked.withFallback("H")).isEqualTo("ran");
		});
	}

	@Test
	void anOverridingMethodCallingSuperLocksOnce() {
		this.contextRunner.run((context) -> {
			SubLocked locked = context.getBean(SubLocked.class);
			assertThat(locked.work("S")).isEqualTo(1);
			assertThat(context.getBean(Events.class).acquired).containsExactly("work:S");
		});
	}

	@Test
	void badDurationsFailAtStartupWithTheAttributeAndMethodNamed() {
		assertStartupFails(this.contextRunner, BadWait.class, "waitTime = \"soon\"", "BadWait.badWait");
	}

	@Test
	void anUnknownBackendInTheAnnotationFailsAtStartupListingTheBackends() {
		assertStartupFails(this.contextRunner, UnknownBackend.class, "backend = \"etcd\"", "UnknownBackend.run",
				"[local]");
	}

	@Test
	void theLockIsTakenOutsideTheTransactionAndReleasedAfterItsCommit() {
		transactional().run((context) -> {
			TransactionalLocked locked = context.getBean(TransactionalLocked.class);
			List<String> seen = locked.insertAndObserve("T1");
			assertThat(seen).containsExactly("in-tx: held=true tx=true", "after-commit: held=true");
			assertThat(context.getBean(Events.class).released).containsExactly("row:T1");
			assertThat(JdbcClient.create(context.getBean(javax.sql.DataSource.class))
				.sql("select count(*) from locked_rows where id = 'T1'")
				.query(Integer.class)
				.single()).isEqualTo(1);
		});
	}

	@Test
	void aLockLostBeforeCommitRollsTheTransactionBack() {
		transactional().run((context) -> {
			TransactionalLocked locked = context.getBean(TransactionalLocked.class);
			assertThatExceptionOfType(LockLostException.class).isThrownBy(() -> locked.insertSlowly("T2"))
				.satisfies((ex) -> assertThat(ex.getLockName()).isEqualTo("row:T2"));
			assertThat(JdbcClient.create(context.getBean(javax.sql.DataSource.class))
				.sql("select count(*) from locked_rows where id = 'T2'")
				.query(Integer.class)
				.single()).isZero();
			assertThat(context.getBean(Events.class).lost).containsExactly("row:T2");
		});
	}

	private ApplicationContextRunner transactional() {
		String url = TestServices.h2("advice_" + System.nanoTime()).url();
		return this.contextRunner
			.withConfiguration(AutoConfigurations.of(
					org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration.class,
					org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration.class,
					org.springframework.boot.transaction.autoconfigure.TransactionManagerCustomizationAutoConfiguration.class,
					org.springframework.boot.transaction.autoconfigure.TransactionAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=" + url)
			.withUserConfiguration(TransactionalBeans.class);
	}

	record Order(String sku, int quantity) {
	}

	@Configuration(proxyBeanMethods = false)
	static class Beans {

		@Bean
		Events events() {
			return new Events();
		}

		@Bean
		Locked locked() {
			return new Locked();
		}

		@Bean
		SubLocked subLocked() {
			return new SubLocked();
		}

		@Bean
		LockFailureHandler busy() {
			return (method, arguments, failure) -> "busy: " + ((LockAcquisitionException) failure).getLockName();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TransactionalBeans {

		@Bean
		TransactionalLocked transactionalLocked(javax.sql.DataSource dataSource, LockRegistry registry) {
			JdbcClient.create(dataSource).sql("create table locked_rows (id varchar(20) primary key)").update();
			return new TransactionalLocked(dataSource, registry);
		}

	}

	static class Events implements LockListener {

		final List<String> acquired = new CopyOnWriteArrayList<>();

		final List<String> released = new CopyOnWriteArrayList<>();

		final List<String> lost = new CopyOnWriteArrayList<>();

		@Override
		public void acquired(String backend, String lockName, long fencingToken, Duration waited) {
			this.acquired.add(lockName);
		}

		@Override
		public void released(String backend, String lockName, Duration held) {
			this.released.add(lockName);
		}

		@Override
		public void lost(String backend, String lockName, long fencingToken, String reason) {
			this.lost.add(lockName);
		}

	}

	static class Locked {

		private final AtomicInteger calls = new AtomicInteger();

		public int calls() {
			return this.calls.get();
		}

		@DistributedLock(prefix = "stock", key = "#sku")
		public void byName(String sku, int quantity) {
			this.calls.incrementAndGet();
		}

		@DistributedLock(key = "#p0")
		public void byIndex(String sku) {
			this.calls.incrementAndGet();
		}

		@DistributedLock(name = "order", key = "#order.sku")
		public void byPath(Order order) {
			this.calls.incrementAndGet();
		}

		@DistributedLock(key = "'sku#' + #a0")
		public void withLiteralHash(String sku) {
			this.calls.incrementAndGet();
		}

		@DistributedLock(prefix = "acct", key = { "#from", "#to", "#others" })
		public void transfer(String from, String to, List<String> others) {
			this.calls.incrementAndGet();
		}

		@DistributedLock(prefix = "hold", key = "#key", waitTime = "5s")
		public void hold(String key, CountDownLatch inside, CountDownLatch leave) {
			this.calls.incrementAndGet();
			inside.countDown();
			try {
				leave.await(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

		@DistributedLock(prefix = "hold", key = "#key", waitTime = "100ms")
		public void quick(String key) {
			this.calls.incrementAndGet();
		}

		@DistributedLock(prefix = "hold", key = "#key", waitTime = "100ms", onFailure = "busy")
		public String withFallback(String key) {
			return "ran";
		}

	}

	static class BadWait {

		@DistributedLock(key = "'x'", waitTime = "soon")
		public void badWait() {
		}

	}

	static class UnknownBackend {

		@DistributedLock(key = "'x'", backend = "etcd")
		public void run() {
		}

	}

	static class BaseWorker {

		@DistributedLock(prefix = "work", key = "#key")
		public int work(String key) {
			return 0;
		}

	}

	static class SubLocked extends BaseWorker {

		@Autowired
		LockRegistry registry;

		@Override
		public int work(String key) {
			super.work(key);
			return this.registry.getLock("work:" + key).holdCount();
		}

	}

	static class TransactionalLocked {

		private final JdbcClient jdbc;

		private final LockRegistry registry;

		TransactionalLocked(javax.sql.DataSource dataSource, LockRegistry registry) {
			this.jdbc = JdbcClient.create(dataSource);
			this.registry = registry;
		}

		@Transactional
		@DistributedLock(prefix = "row", key = "#id")
		public List<String> insertAndObserve(String id) {
			List<String> seen = new CopyOnWriteArrayList<>();
			seen.add("in-tx: held=" + this.registry.getLock("row:" + id).isHeldByCurrentOwner() + " tx="
					+ TransactionSynchronizationManager.isActualTransactionActive());
			TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
				@Override
				public void afterCommit() {
					seen.add("after-commit: held=" + TransactionalLocked.this.registry.getLock("row:" + id).isHeldByCurrentOwner());
				}
			});
			this.jdbc.sql("insert into locked_rows (id) values (?)").param(id).update();
			return seen;
		}

		@Transactional
		@DistributedLock(prefix = "row", key = "#id", leaseTime = "150ms")
		public void insertSlowly(String id) throws InterruptedException {
			this.jdbc.sql("insert into locked_rows (id) values (?)").param(id).update();
			Thread.sleep(500);
		}

	}

}
