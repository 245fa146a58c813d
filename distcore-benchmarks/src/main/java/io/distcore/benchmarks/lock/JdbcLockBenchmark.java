package io.distcore.benchmarks.lock;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.lock.LockRegistry;
import io.distcore.lock.NamedLock;
import io.distcore.lock.autoconfigure.LockProperties;
import io.distcore.lock.jdbc.JdbcLockBackend;
import net.javacrumbs.shedlock.core.LockConfiguration;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.provider.jdbctemplate.JdbcTemplateLockProvider;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.integration.jdbc.lock.DefaultLockRepository;
import org.springframework.integration.jdbc.lock.JdbcLockRegistry;
import org.springframework.integration.support.locks.DistributedLock;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;

/**
 * Acquire plus release on PostgreSQL: distcore's {@code jdbc} backend through {@link NamedLock}, Spring
 * Integration's {@link JdbcLockRegistry} and ShedLock's {@link JdbcTemplateLockProvider} with database time.
 * {@code uncontended}: one thread on a lock of its own; {@code contended}: four threads of one process on one
 * lock. ShedLock cannot wait, so its contended operation calls {@code lock()} in a loop, without pause, until it
 * gets the lock.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class JdbcLockBenchmark {

	@Benchmark
	@Threads(1)
	public void distcoreUncontended(Distcore distcore, OwnKey key) throws InterruptedException {
		distcore.lockUnlock(key.name);
	}

	@Benchmark
	@Threads(LockBenchmarks.CONTENDED_THREADS)
	public void distcoreContended(Distcore distcore) throws InterruptedException {
		distcore.lockUnlock(LockBenchmarks.CONTENDED_KEY);
	}

	@Benchmark
	@Threads(1)
	public void springIntegrationUncontended(SpringIntegration registry, OwnKey key)
			throws InterruptedException {
		registry.lockUnlock(key.name);
	}

	@Benchmark
	@Threads(LockBenchmarks.CONTENDED_THREADS)
	public void springIntegrationContended(SpringIntegration registry) throws InterruptedException {
		registry.lockUnlock(LockBenchmarks.CONTENDED_KEY);
	}

	@Benchmark
	@Threads(1)
	public void shedLockUncontended(ShedLock shedLock, OwnKey key) {
		shedLock.lockUnlock(key.name);
	}

	@Benchmark
	@Threads(LockBenchmarks.CONTENDED_THREADS)
	public void shedLockContended(ShedLock shedLock) {
		shedLock.lockUnlock(LockBenchmarks.CONTENDED_KEY);
	}

	/** distcore with the default poll intervals and query timeout of {@code distcore.lock.jdbc.*}. */
	@State(Scope.Benchmark)
	public static class Distcore {

		private static final String TABLE = "distcore_bench_lock";

		private HikariDataSource dataSource;

		private LockRegistry registry;

		private final boolean handOver;

		public Distcore() {
			this(true);
		}

		/**
		 * @param handOver whether the registry may pass the lock between local threads in one statement; without
		 * it, a release then an acquire
		 */
		Distcore(boolean handOver) {
			this.handOver = handOver;
		}

		@Setup(Level.Trial)
		public void setUp() {
			this.dataSource = LockBenchmarks.postgres("distcore");
			LockProperties.Jdbc defaults = new LockProperties.Jdbc();
			JdbcLockBackend backend = new JdbcLockBackend(this.dataSource, TABLE, defaults.getPollMinInterval(),
					defaults.getPollMaxInterval(), defaults.getQueryTimeout());
			backend.createSchema();
			deleteRows();
			this.registry = LockBenchmarks.registry(this.handOver ? backend : LockBenchmarks.releaseThenAcquire(backend));
		}

		void lockUnlock(String key) throws InterruptedException {
			lock(key).run();
		}

		/** Acquires, and returns what releases. */
		Runnable lock(String key) throws InterruptedException {
			NamedLock lock = this.registry.getLock(key);
			LockBenchmarks.acquired(lock.tryLock(LockBenchmarks.WAIT, LockBenchmarks.LEASE), "distcore", key);
			return lock::unlock;
		}

		@TearDown(Level.Trial)
		public void tearDown() {
			this.registry.close();
			deleteRows();
			this.dataSource.close();
		}

		private void deleteRows() {
			new JdbcTemplate(this.dataSource).update("DELETE FROM " + TABLE);
		}

	}

	/**
	 * Spring Integration's registry on its {@code INT_LOCK} table, created from the DDL it ships for PostgreSQL;
	 * its rows are kept apart from any other user of the table by a region of their own.
	 */
	@State(Scope.Benchmark)
	public static class SpringIntegration {

		private static final String REGION = "distcore-bench";

		private HikariDataSource dataSource;

		private DefaultLockRepository repository;

		private JdbcLockRegistry registry;

		@Setup(Level.Trial)
		public void setUp() {
			this.dataSource = LockBenchmarks.postgres("spring-integration");
			JdbcTemplate jdbc = new JdbcTemplate(this.dataSource);
			if (jdbc.queryForObject("SELECT to_regclass('int_lock') IS NULL", Boolean.class)) {
				jdbc.execute(shippedIntLockDdl());
			}
			deleteRows();
			this.repository = new DefaultLockRepository(this.dataSource);
			this.repository.setRegion(REGION);
			this.repository.setTransactionManager(new DataSourceTransactionManager(this.dataSource));
			this.repository.afterPropertiesSet();
			this.repository.afterSingletonsInstantiated();
			this.repository.start();
			this.registry = new JdbcLockRegistry(this.repository, LockBenchmarks.LEASE);
		}

		void lockUnlock(String key) throws InterruptedException {
			lock(key).run();
		}

		/** Acquires, and returns what releases. */
		Runnable lock(String key) throws InterruptedException {
			DistributedLock lock = this.registry.obtain(key);
			LockBenchmarks.acquired(lock.tryLock(LockBenchmarks.WAIT, LockBenchmarks.LEASE), "Spring Integration", key);
			return lock::unlock;
		}

		@TearDown(Level.Trial)
		public void tearDown() {
			this.repository.stop();
			this.repository.close();
			deleteRows();
			this.dataSource.close();
		}

		private void deleteRows() {
			new JdbcTemplate(this.dataSource).update("DELETE FROM INT_LOCK WHERE REGION = ?", REGION);
		}

		private static String shippedIntLockDdl() {
			String resource = "/org/springframework/integration/jdbc/schema-postgresql.sql";
			try (InputStream in = DefaultLockRepository.class.getResourceAsStream(resource)) {
				if (in == null) {
					throw new IllegalStateException("Spring Integration no longer ships " + resource);
				}
				String script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
				return Arrays.stream(script.split(";"))
					.map(String::strip)
					.filter((statement) -> statement.startsWith("CREATE TABLE INT_LOCK "))
					.findFirst()
					.orElseThrow(() -> new IllegalStateException("No INT_LOCK table in " + resource));
			}
			catch (IOException ex) {
				throw new IllegalStateException("Could not read " + resource, ex);
			}
		}

	}

	/** ShedLock with database time, on the table its documentation gives for PostgreSQL. */
	@State(Scope.Benchmark)
	public static class ShedLock {

		private static final String TABLE = "distcore_bench_shedlock";

		private static final String DDL = """
				CREATE TABLE IF NOT EXISTS %s (name VARCHAR(64) NOT NULL, lock_until TIMESTAMP NOT NULL,
				locked_at TIMESTAMP NOT NULL, locked_by VARCHAR(255) NOT NULL, PRIMARY KEY (name))
				""".formatted(TABLE);

		private HikariDataSource dataSource;

		private JdbcTemplateLockProvider provider;

		@Setup(Level.Trial)
		public void setUp() {
			this.dataSource = LockBenchmarks.postgres("shedlock");
			JdbcTemplate jdbc = new JdbcTemplate(this.dataSource);
			jdbc.execute(DDL);
			deleteRows();
			this.provider = new JdbcTemplateLockProvider(JdbcTemplateLockProvider.Configuration.builder()
				.withJdbcTemplate(jdbc)
				.withTableName(TABLE)
				.usingDbTime()
				.build());
		}

		/** ShedLock has no wait: an attempt that finds the lock taken returns empty, and the loop tries again. */
		void lockUnlock(String key) {
			long deadline = System.nanoTime() + LockBenchmarks.WAIT.toNanos();
			LockConfiguration configuration = new LockConfiguration(Instant.now(), key, LockBenchmarks.LEASE,
					Duration.ZERO);
			Optional<SimpleLock> lock = this.provider.lock(configuration);
			while (lock.isEmpty()) {
				LockBenchmarks.acquired(System.nanoTime() - deadline < 0, "ShedLock", key);
				lock = this.provider.lock(configuration);
			}
			lock.get().unlock();
		}

		@TearDown(Level.Trial)
		public void tearDown() {
			deleteRows();
			this.dataSource.close();
		}

		private void deleteRows() {
			new JdbcTemplate(this.dataSource).update("DELETE FROM " + TABLE);
		}

	}

}
