package io.distcore.lock.jdbc;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.distcore.lock.LockBackendUnavailableException;
import io.distcore.lock.LockGrant;
import io.distcore.lock.LockRegistry;
import io.distcore.lock.NamedLock;
import io.distcore.support.InstanceId;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TcpProxy;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.jdbc.datasource.SimpleDriverDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Faults and database specifics of {@link JdbcLockBackend}, on real servers: expiry and takeover, the database
 * clock, deadlock freedom on MariaDB, and an unreachable database.
 */
class JdbcLockBackendTests {

	/** Far above any wait here: reaching it means something hung. */
	private static final Duration HANG = Duration.ofSeconds(20);

	private static final Duration LONG_LEASE = Duration.ofSeconds(30);

	@ParameterizedTest
	@ValueSource(strings = { "postgresql", "mariadb", "h2" })
	void aHolderThatStopsRenewingIsTakenOverAndCanNeitherRenewNorReleaseAfterwards(String database) throws Exception {
		try (LockTable table = new LockTable(endpoint(database));
				HikariDataSource firstPool = table.dataSource(2, null);
				HikariDataSource secondPool = table.dataSource(2, null)) {
			JdbcLockBackend first = table.newBackend(firstPool);
			JdbcLockBackend second = table.newBackend(secondPool);
			String name = uniqueName("takeover");

			Optional<Long> stale = first.acquire(name, "first", LONG_LEASE, Duration.ZERO).map(LockGrant::fencingToken);
			assertThat(stale).isPresent();
			assertThat(second.acquire(name, "second", LONG_LEASE, Duration.ZERO)).isEmpty();
			// The last renewal the holder makes before it stalls.
			assertThat(first.renew(name, "first", Duration.ofMillis(300))).isTrue();
			Optional<Long> next = second.acquire(name, "second", LONG_LEASE, HANG).map(LockGrant::fencingToken);
			assertThat(next).isPresent();
			assertThat(next.get()).isEqualTo(stale.get() + 1);

			assertThat(first.renew(name, "first", LONG_LEASE)).isFalse();
			assertThat(first.release(name, "first")).isFalse();
			assertThat(first.acquire(name, "first", LONG_LEASE, Duration.ZERO)).isEmpty();
			assertThat(second.renew(name, "second", LONG_LEASE)).isTrue();
			assertThat(second.release(name, "second")).isTrue();
			assertThat(second.release(name, "second")).isFalse();
			assertThat(first.acquire(name, "first", LONG_LEASE, Duration.ZERO).map(LockGrant::fencingToken)).hasValue(next.get() + 1);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "postgresql", "mariadb", "h2" })
	void expiryIsDatabaseNowPlusLeaseWhateverTheSessionTimeZones(String database) throws Exception {
		JdbcEndpoint endpoint = endpoint(database);
		try (LockTable table = new LockTable(endpoint);
				HikariDataSource farEast = table.dataSource(2, setTimeZone(database, "+13:00"));
				HikariDataSource farWest = table.dataSource(2, setTimeZone(database, "-11:00"))) {
			JdbcLockBackend east = table.newBackend(farEast);
			JdbcLockBackend west = table.newBackend(farWest);
			String name = uniqueName("clock");
			Duration lease = Duration.ofSeconds(60);

			Optional<Long> token = west.acquire(name, "west", lease, Duration.ZERO).map(LockGrant::fencingToken);
			assertThat(token).isPresent();
			// Measured entirely inside the database: the JVM clock plays no part in the expiry.
			Long remainingMillis = table.admin()
				.queryForObject(remainingMillisSql(database, table.name), Long.class, name);
			assertThat(remainingMillis).isBetween(lease.toMillis() - 10_000, lease.toMillis());
			// 24 hours later in local time, but the same instant: an expiry kept in session-local time would
			// look long past here.
			assertThat(east.acquire(name, "east", lease, Duration.ZERO)).isEmpty();
			assertThat(east.renew(name, "west", Duration.ofMillis(1))).isTrue();
			assertThat(east.acquire(name, "east", lease, HANG).map(LockGrant::fencingToken)).hasValue(token.get() + 1);
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "postgresql", "mariadb", "h2" })
	void anOrphanedHoldOfTheSameOwnerIsGrantedAtOnceWithANewToken(String database) throws Exception {
		try (LockTable table = new LockTable(endpoint(database));
				HikariDataSource pool = table.dataSource(2, null);
				LockRegistry process = registry(table.newBackend(pool))) {
			String name = uniqueName("orphan");
			NamedLock lock = process.getLock(name, "jdbc", "job-1");
			// What a lost reply leaves behind: the database applied the acquire, the client never heard of it.
			table.admin().update(plantSql(database, table.name), name, lock.owner());

			assertThat(process.getLock(name, "jdbc", "job-2").tryLock(Duration.ZERO, LONG_LEASE)).isFalse();
			assertThat(lock.tryLock(Duration.ZERO, LONG_LEASE)).isTrue();
			assertThat(lock.fencingToken()).isGreaterThan(41);
			lock.unlock();
			NamedLock other = process.getLock(name, "jdbc", "job-2");
			assertThat(other.tryLock(Duration.ZERO, LONG_LEASE)).isTrue();
			other.unlock();
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "postgresql", "mariadb", "h2" })
	void tenThousandNamesLockedAndReleasedLeaveOneRowAfterAPurgeAndTokensKeepIncreasing(String database)
			throws Exception {
		try (LockTable table = new LockTable(endpoint(database)); HikariDataSource pool = table.dataSource(8, null)) {
			// A short query timeout keeps the purge's wait for statements in flight short.
			JdbcLockBackend backend = new JdbcLockBackend(pool, table.name, Duration.ofMillis(10),
					Duration.ofMillis(200), Duration.ofSeconds(2));
			int names = 10_000;
			long[] tokens = new long[names];
			try (LockRegistry process = registry(backend)) {
				ExecutorService threads = Executors.newFixedThreadPool(8);
				try {
					List<Future<?>> workers = new ArrayList<>();
					for (int t = 0; t < 8; t++) {
						int first = t;
						workers.add(threads.submit(() -> {
							for (int i = first; i < names; i += 8) {
								NamedLock lock = process.getLock("order-" + i);
								assertThat(lock.tryLock(Duration.ZERO, LONG_LEASE)).isTrue();
								tokens[i] = lock.fencingToken();
								lock.unlock();
							}
							return null;
						}));
					}
					for (Future<?> worker : workers) {
						worker.get(5, TimeUnit.MINUTES);
					}
				}
				finally {
					threads.shutdownNow();
				}
				// One row per name, and the one that keeps tokens increasing for names whose rows were purged.
				assertThat(rows(table)).isEqualTo(names + 1);
				String held = "order-held";
				NamedLock holding = process.getLock(held);
				// Renewed by the watchdog, since the purge may take longer than a lease on a slow database.
				assertThat(holding.tryLock(Duration.ZERO)).isTrue();

				assertThat(backend.purge(Duration.ZERO, 1_000)).isGreaterThanOrEqualTo(names);
				// Left: the held lock's row and the row that keeps tokens increasing for recreated names.
				assertThat(rows(table)).isEqualTo(2);
				assertThat(holding.isHeldByCurrentOwner()).isTrue();
				holding.unlock();

				long highest = Arrays.stream(tokens).max().getAsLong();
				for (int i = 0; i < names; i += 1_000) {
					NamedLock again = process.getLock("order-" + i);
					assertThat(again.tryLock(Duration.ZERO, LONG_LEASE)).isTrue();
					assertThat(again.fencingToken()).isGreaterThan(highest);
					again.unlock();
				}
			}
		}
	}

	@ParameterizedTest
	@ValueSource(strings = { "postgresql", "mariadb" })
	void tokensOnlyIncreaseWhileAPurgeDeletesTheNamesBeingAcquired(String database) throws Exception {
		try (LockTable table = new LockTable(endpoint(database)); HikariDataSource pool = table.dataSource(6, null)) {
			JdbcLockBackend backend = new JdbcLockBackend(pool, table.name, Duration.ofMillis(5), Duration.ofMillis(20),
					Duration.ofSeconds(1));
			Map<String, Long> last = new HashMap<>();
			// Many names, each taken now and then: some sit untouched through a purge and are deleted, then return.
			List<String> names = new ArrayList<>();
			for (int i = 0; i < 200; i++) {
				names.add("order-" + i);
			}
			AtomicBoolean stop = new AtomicBoolean();
			CompletableFuture<Integer> purges = CompletableFuture.supplyAsync(() -> {
				int purged = 0;
				try {
					while (!stop.get()) {
						purged += backend.purge(Duration.ZERO, 2);
					}
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				return purged;
			});
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(12);
			List<String> backwards = new ArrayList<>();
			while (System.nanoTime() < deadline) {
				for (int i = 0; i < 5; i++) {
					String name = names.get(ThreadLocalRandom.current().nextInt(names.size()));
					Optional<LockGrant> grant = backend.acquire(name, "o", Duration.ofMillis(200), Duration.ofSeconds(2));
					assertThat(grant).isPresent();
					long token = grant.get().fencingToken();
					Long previous = last.put(name, token);
					if (previous != null && token <= previous) {
						backwards.add(name + ": " + previous + " then " + token);
					}
					backend.release(name, "o");
				}
				Thread.sleep(20);
			}
			stop.set(true);
			assertThat(purges.get(30, TimeUnit.SECONDS))
				.as("the purge must have deleted rows for the race to mean anything").isPositive();
			assertThat(backwards).isEmpty();
		}
	}

	@Test
	void aPurgeKeepsRowsWithinTheRetentionAndHeldRows() throws Exception {
		try (LockTable table = new LockTable(TestServices.h2("lock-purge-" + UUID.randomUUID()));
				HikariDataSource pool = table.dataSource(2, null)) {
			JdbcLockBackend backend = new JdbcLockBackend(pool, table.name, Duration.ofMillis(10),
					Duration.ofMillis(200), Duration.ofSeconds(1));
			assertThat(backend.acquire("released", "a", LONG_LEASE, Duration.ZERO)).isPresent();
			assertThat(backend.release("released", "a")).isTrue();
			assertThat(backend.acquire("held", "a", LONG_LEASE, Duration.ZERO)).isPresent();
			assertThat(backend.purge(Duration.ofHours(1), 100)).isZero();
			assertThat(rows(table)).isEqualTo(3);
			assertThat(backend.purge(Duration.ZERO, 100)).isEqualTo(1);
			assertThat(backend.renew("held", "a", LONG_LEASE)).isTrue();
		}
	}

	@Test
	void mariaDbNeverDeadlocksUnderSixteenThreadsOnOneAndOnSeveralNames() throws Exception {
		try (LockTable table = new LockTable(TestServices.mariadb())) {
			List<HikariDataSource> pools = new ArrayList<>();
			List<JdbcLockBackend> backends = new ArrayList<>();
			for (int process = 0; process < 4; process++) {
				HikariDataSource pool = table.dataSource(4, null);
				pools.add(pool);
				backends.add(table.newBackend(pool));
			}
			Hammer hammer = new Hammer();
			String one = uniqueName("hammer-one");
			List<String> several = List.of(uniqueName("hammer-a"), uniqueName("hammer-b"), uniqueName("hammer-c"));
			List<String> fresh = new ArrayList<>();
			for (int i = 0; i < 40; i++) {
				fresh.add(uniqueName("hammer-fresh-" + i));
			}
			ExecutorService threads = Executors.newFixedThreadPool(16);
			try {
				List<Future<?>> workers = new ArrayList<>();
				for (int t = 0; t < 16; t++) {
					JdbcLockBackend backend = backends.get(t % backends.size());
					String owner = "worker-" + t + "-" + UUID.randomUUID();
					workers.add(threads.submit(() -> {
						for (int i = 0; i < 8; i++) {
							hammer.holdBriefly(backend, one, owner, HANG);
						}
						for (int i = 0; i < 8; i++) {
							String name = several.get(ThreadLocalRandom.current().nextInt(several.size()));
							hammer.holdBriefly(backend, name, owner, HANG);
						}
						// New rows created side by side: concurrent inserts into the same index gaps.
						List<String> shuffled = new ArrayList<>(fresh);
						Collections.shuffle(shuffled);
						for (String name : shuffled) {
							hammer.holdBriefly(backend, name, owner, Duration.ZERO);
						}
						return null;
					}));
				}
				for (Future<?> worker : workers) {
					worker.get(3, TimeUnit.MINUTES);
				}
			}
			finally {
				threads.shutdownNow();
				pools.forEach(HikariDataSource::close);
			}
			assertThat(hammer.held(one)).isEqualTo(16 * 8);
			assertThat(several.stream().mapToInt(hammer::held).sum()).isEqualTo(16 * 8);
			assertThat(fresh).allSatisfy((name) -> assertThat(hammer.held(name)).isPositive());
			assertThat(backends.stream().mapToLong(JdbcLockBackend::deadlockRetries).sum()).isZero();
		}
	}

	@Test
	void anUnreachableDatabaseRaisesUnavailableInBoundedTime() throws Exception {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0)) {
			closedPort = socket.getLocalPort();
		}
		String url = "jdbc:postgresql://127.0.0.1:" + closedPort + "/test";
		try (HikariDataSource pool = unreachablePool(url, "postgres", "")) {
			JdbcLockBackend backend = new JdbcLockBackend(pool, "distcore_lock", Duration.ofMillis(10),
					Duration.ofMillis(200), Duration.ofSeconds(1));
			long start = System.nanoTime();
			assertThatExceptionOfType(LockBackendUnavailableException.class)
				.isThrownBy(() -> backend.acquire("down", "owner", LONG_LEASE, Duration.ofSeconds(60)));
			assertThatExceptionOfType(LockBackendUnavailableException.class)
				.isThrownBy(() -> backend.renew("down", "owner", LONG_LEASE));
			assertThatExceptionOfType(LockBackendUnavailableException.class)
				.isThrownBy(() -> backend.release("down", "owner"));
			assertThatExceptionOfType(LockBackendUnavailableException.class).isThrownBy(backend::createSchema);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(HANG);
		}
	}

	@Test
	void aDatabaseGoingAwayEndsAWaitWithUnavailableInsteadOfPollingOn() throws Exception {
		JdbcEndpoint mariadb = TestServices.mariadb();
		URI server = URI.create(mariadb.url().substring("jdbc:".length()));
		try (LockTable table = new LockTable(mariadb);
				TcpProxy proxy = new TcpProxy(server.getHost(), server.getPort());
				HikariDataSource holderPool = table.dataSource(2, null);
				HikariDataSource pool = unreachablePool(
						mariadb.url().replace(":" + server.getPort() + "/", ":" + proxy.port() + "/"),
						mariadb.username(), mariadb.password())) {
			JdbcLockBackend holder = table.newBackend(holderPool);
			JdbcLockBackend waiter = table.newBackend(pool);
			String name = uniqueName("going-away");
			assertThat(holder.acquire(name, "holder", LONG_LEASE, Duration.ZERO)).isPresent();
			assertThat(waiter.acquire(name, "waiter", LONG_LEASE, Duration.ZERO)).isEmpty();

			ExecutorService thread = Executors.newSingleThreadExecutor();
			try {
				Future<Optional<LockGrant>> waiting = thread
					.submit(() -> waiter.acquire(name, "waiter", LONG_LEASE, Duration.ofSeconds(60)));
				Thread.sleep(300);
				proxy.close();
				assertThatExceptionOfType(ExecutionException.class)
					.isThrownBy(() -> waiting.get(HANG.toSeconds(), TimeUnit.SECONDS))
					.withCauseInstanceOf(LockBackendUnavailableException.class);
			}
			finally {
				thread.shutdownNow();
			}
			assertThatExceptionOfType(LockBackendUnavailableException.class)
				.isThrownBy(() -> waiter.renew(name, "waiter", LONG_LEASE));
			assertThat(holder.release(name, "holder")).isTrue();
		}
	}

	@Test
	void releaseKeepsTheRowSoTokensContinueAndSchemaCreationIsIdempotent() throws Exception {
		try (LockTable table = new LockTable(TestServices.h2("lock-rows-" + UUID.randomUUID()));
				HikariDataSource pool = table.dataSource(2, null)) {
			JdbcLockBackend backend = table.newBackend(pool);
			backend.createSchema();
			String name = uniqueName("row");
			assertThat(backend.acquire(name, "a", LONG_LEASE, Duration.ZERO).map(LockGrant::fencingToken)).hasValue(1L);
			assertThat(backend.release(name, "a")).isTrue();
			Map<String, Object> row = table.admin()
				.queryForMap("SELECT owner, token FROM " + table.name + " WHERE name = ?", name);
			assertThat(row).containsEntry("OWNER", null).containsEntry("TOKEN", 1L);
			assertThat(backend.acquire(name, "b", LONG_LEASE, Duration.ZERO).map(LockGrant::fencingToken)).hasValue(2L);
		}
	}

	@Test
	void rejectsUnsafeTableNamesAndOverlongLockNames() {
		SimpleDriverDataSource unused = new SimpleDriverDataSource();
		assertThat(JdbcLockBackend.isValidTableName("locks")).isTrue();
		assertThat(JdbcLockBackend.isValidTableName("app.distcore_lock")).isTrue();
		assertThat(JdbcLockBackend.isValidTableName("locks; DROP TABLE users")).isFalse();
		assertThat(JdbcLockBackend.isValidTableName("1locks")).isFalse();
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new JdbcLockBackend(unused, "bad-name", Duration.ofMillis(10), Duration.ofMillis(200),
					Duration.ofSeconds(1)))
			.withMessageContaining("bad-name");
		assertThatIllegalArgumentException()
			.isThrownBy(() -> new JdbcLockBackend(unused, "locks", Duration.ofMillis(300), Duration.ofMillis(200),
					Duration.ofSeconds(1)))
			.withMessageContaining("Poll max interval");
		JdbcLockBackend backend = new JdbcLockBackend(unused, "locks", Duration.ofMillis(10), Duration.ofMillis(200),
				Duration.ofSeconds(1));
		assertThatIllegalArgumentException()
			.isThrownBy(() -> backend.acquire("x".repeat(JdbcLockBackend.MAX_NAME_LENGTH + 1), "owner", LONG_LEASE,
					Duration.ZERO))
			.withMessageContaining("at most 255");
	}

	private static LockRegistry registry(JdbcLockBackend backend) {
		return new LockRegistry(InstanceId.generate(), List.of(backend), backend.name(), LONG_LEASE, List.of());
	}

	private static int rows(LockTable table) {
		return table.admin().queryForObject("SELECT COUNT(*) FROM " + table.name, Integer.class);
	}

	/** A row held by {@code owner} (second parameter) for a minute, as the database itself would write it. */
	private static String plantSql(String database, String table) {
		String expiry = switch (database) {
			case "postgresql" -> "clock_timestamp() + INTERVAL '60 seconds'";
			case "mariadb" -> "UTC_TIMESTAMP(3) + INTERVAL 60 SECOND";
			default -> "DATEADD(SECOND, 60, CURRENT_TIMESTAMP(3))";
		};
		return "INSERT INTO " + table + " (name, owner, token, expires_at) VALUES (?, ?, 41, " + expiry + ")";
	}

	private static JdbcEndpoint endpoint(String database) {
		return switch (database) {
			case "postgresql" -> TestServices.postgres();
			case "mariadb" -> TestServices.mariadb();
			case "h2" -> TestServices.h2("lock-faults-" + UUID.randomUUID());
			default -> throw new IllegalArgumentException(database);
		};
	}

	private static String setTimeZone(String database, String offset) {
		return switch (database) {
			case "postgresql" -> "SET TIME ZONE INTERVAL '" + offset + "' HOUR TO MINUTE";
			case "mariadb" -> "SET time_zone = '" + offset + "'";
			default -> "SET TIME ZONE '" + offset + "'";
		};
	}

	private static String remainingMillisSql(String database, String table) {
		return switch (database) {
			case "postgresql" -> "SELECT CAST(EXTRACT(EPOCH FROM (expires_at - clock_timestamp())) * 1000 AS BIGINT) "
					+ "FROM " + table + " WHERE name = ?";
			case "mariadb" -> "SELECT TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(3), expires_at) DIV 1000 FROM " + table
					+ " WHERE name = ?";
			// H2's DATEDIFF compares local fields; epochs are instants.
			default -> "SELECT CAST((EXTRACT(EPOCH FROM expires_at) - EXTRACT(EPOCH FROM CURRENT_TIMESTAMP(3))) * 1000 "
					+ "AS BIGINT) FROM " + table + " WHERE name = ?";
		};
	}

	/** A pool that does not connect at creation, and gives up connecting after one second. */
	private static HikariDataSource unreachablePool(String url, String username, String password) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(url);
		config.setUsername(username);
		config.setPassword(password);
		config.setMaximumPoolSize(2);
		config.setMinimumIdle(0);
		config.setConnectionTimeout(1_000);
		config.setValidationTimeout(500);
		config.setInitializationFailTimeout(-1);
		return new HikariDataSource(config);
	}

	private static String uniqueName(String what) {
		return "jdbc-" + what + "-" + UUID.randomUUID();
	}

	/** Holds locks for a moment and checks that no two owners are ever inside one name at once. */
	private static final class Hammer {

		private final Map<String, AtomicInteger> inside = new ConcurrentHashMap<>();

		private final Map<String, AtomicInteger> holds = new ConcurrentHashMap<>();

		private final Map<String, AtomicLong> lastToken = new ConcurrentHashMap<>();

		void holdBriefly(JdbcLockBackend backend, String name, String owner, Duration waitTime) throws Exception {
			Optional<Long> token = backend.acquire(name, owner, LONG_LEASE, waitTime).map(LockGrant::fencingToken);
			if (token.isEmpty()) {
				assertThat(waitTime).isZero();
				return;
			}
			AtomicInteger inside = this.inside.computeIfAbsent(name, (ignored) -> new AtomicInteger());
			assertThat(inside.incrementAndGet()).as("owners inside %s", name).isEqualTo(1);
			AtomicLong last = this.lastToken.computeIfAbsent(name, (ignored) -> new AtomicLong());
			assertThat(token.get()).isGreaterThan(last.get());
			last.set(token.get());
			this.holds.computeIfAbsent(name, (ignored) -> new AtomicInteger()).incrementAndGet();
			assertThat(backend.renew(name, owner, LONG_LEASE)).isTrue();
			inside.decrementAndGet();
			assertThat(backend.release(name, owner)).isTrue();
		}

		int held(String name) {
			AtomicInteger count = this.holds.get(name);
			return (count != null) ? count.get() : 0;
		}

	}

}
