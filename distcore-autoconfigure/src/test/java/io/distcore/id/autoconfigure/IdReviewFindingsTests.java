package io.distcore.id.autoconfigure;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import javax.sql.DataSource;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.id.lease.LeasedWorkerId;
import io.distcore.id.lease.redis.RedisWorkerIdStore;
import io.distcore.id.snowflake.SnowflakeIdGenerator;
import io.distcore.id.snowflake.SnowflakeLayout;
import io.distcore.id.snowflake.WorkerIdLease;
import io.distcore.test.MutableClock;
import io.distcore.test.TestServices;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Review findings on the IDs half of issue 9: each test fails on the change under review.
 */
class IdReviewFindingsTests {

	/** One slot, as in the torture test: two holders of it repeat each other's ids at once. */
	private static final SnowflakeLayout ONE_SLOT = new SnowflakeLayout(SnowflakeLayout.DEFAULT_EPOCH, 51, 0, 0, 12);

	private static final Instant T = Instant.parse("2026-05-01T10:00:00Z");

	/**
	 * The generator reads the previous holder's timestamp before it waits (full millisecond, backward step) and
	 * asks the lease only after the wait. If the heartbeat takes the slot back during the wait, the previous
	 * holder's timestamp changed, but the waiting call issues an id on the timestamp it computed before.
	 */
	@Test
	void aSlotTakenBackWhileTheGeneratorWaitsDoesNotRepeatTheInterimHoldersIds() throws Exception {
		String prefix = "distcore-test:" + UUID.randomUUID() + ":worker:";
		LettuceConnectionFactory factory = TestServices.redis().connectionFactory();
		StringRedisTemplate redis = new StringRedisTemplate(factory);
		Duration ttl = Duration.ofSeconds(3);
		Duration heartbeat = Duration.ofSeconds(1);
		try (LeasedWorkerId leaseA = LeasedWorkerId.lease(new RedisWorkerIdStore(factory, prefix), "A", ONE_SLOT, ttl,
				heartbeat)) {
			MutableClock clockA = new MutableClock(T);
			SnowflakeIdGenerator a = new SnowflakeIdGenerator(ONE_SLOT, leaseA, clockA, Duration.ofMillis(5), false);
			a.nextIds("fill", 4096);
			// The next id of A waits for the next millisecond, having read the previous holder's timestamp.
			CompletableFuture<Long> waiting = CompletableFuture.supplyAsync(a::nextId);
			Thread.sleep(100);
			assertThat(waiting).isNotDone();
			// A's slot vanishes (a Redis failover, or the key expired while A's heartbeat was cut off) and B,
			// whose clock is 1 ms ahead of A's, takes it, issues ids and shuts down cleanly.
			long[] idsOfB;
			redis.delete(prefix + "0");
			try (LeasedWorkerId leaseB = LeasedWorkerId.lease(new RedisWorkerIdStore(factory, prefix), "B", ONE_SLOT,
					ttl, heartbeat)) {
				SnowflakeIdGenerator b = new SnowflakeIdGenerator(ONE_SLOT, leaseB, new MutableClock(T.plusMillis(1)),
						Duration.ofMillis(5), false);
				idsOfB = b.nextIds("b", 10);
			}
			// A's heartbeat takes the slot back, learning that B issued ids up to T + 1 ms.
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
			while (!leaseA.isValid() || leaseA.notAfterPreviousHolder() < T.toEpochMilli() + 1) {
				assertThat(System.nanoTime() - deadline).as("A took its slot back").isNegative();
				Thread.sleep(20);
			}
			clockA.add(1);
			Thread.sleep(100);
			clockA.add(5);
			long idOfA = waiting.get(10, TimeUnit.SECONDS);
			assertThat(idsOfB).as("ids of B; A issued " + ONE_SLOT.decode(idOfA) + " after taking the slot back")
				.doesNotContain(idOfA);
		}
		finally {
			redis.delete(redis.keys(prefix + "*"));
			factory.destroy();
		}
	}

	/**
	 * {@code preset: seed} changed meaning (40+6+5+12 before, 40+5+5+12 now) without a word for those who used it:
	 * the same configuration now issues ids half as large as yesterday's, and re-issues ids of the past.
	 */
	@Test
	void anApplicationThatUsedTheSeedPresetBeforeDoesNotReissueItsOldIds() {
		SnowflakeLayout formerSeed = new SnowflakeLayout(SnowflakeLayout.DEFAULT_EPOCH, 40, 6, 5, 12);
		long sinceEpoch = T.toEpochMilli() - SnowflakeLayout.DEFAULT_EPOCH.toEpochMilli();
		Instant threeYearsAgo = SnowflakeLayout.DEFAULT_EPOCH.plusMillis(sinceEpoch / 2);
		long oldId = new SnowflakeIdGenerator(formerSeed, WorkerIdLease.fixed(3, 7), new MutableClock(threeYearsAgo),
				Duration.ZERO, false)
			.nextId();
		long yesterdaysId = new SnowflakeIdGenerator(formerSeed, WorkerIdLease.fixed(3, 7),
				new MutableClock(T.minus(Duration.ofDays(1))), Duration.ZERO, false)
			.nextId();
		long newId = new SnowflakeIdGenerator(SnowflakeLayout.SEED, WorkerIdLease.fixed(3, 7),
				new MutableClock(T.minusMillis(sinceEpoch % 2)), Duration.ZERO, false)
			.nextId();
		SoftAssertions.assertSoftly((softly) -> {
			softly.assertThat(newId).as("an id issued with preset=seed at " + threeYearsAgo).isNotEqualTo(oldId);
			softly.assertThat(newId).as("today's id with preset=seed, after yesterday's " + yesterdaysId)
				.isGreaterThan(yesterdaysId);
		});
	}

	/**
	 * The README: "If the store cannot be reached or the table is missing, that call fails [...] and the next
	 * call tries again", and the configuration's javadoc: "a store that cannot be reached [...] fails the first id
	 * instead of the startup". With initialize-schema=always (and embedded, which probes the database) the DDL
	 * runs at startup, so a database that is down fails the startup of an application that never asks for an id.
	 */
	@Test
	void aDatabaseThatIsDownAtStartupDoesNotFailTheStartupOfAnApplicationThatNeverAsksForAnId() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class,
					DataSourceAutoConfiguration.class, IdAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=jdbc:postgresql://127.0.0.1:1/test",
					"spring.datasource.username=postgres", "spring.datasource.hikari.connection-timeout=1000",
					"distcore.id.jdbc.initialize-schema=always")
			.run((context) -> assertThat(context).hasNotFailed());
	}

	/** Same promise with the default initialize-schema=embedded: the lease table is created before any id. */
	@Test
	void anEmbeddedDatabaseGetsNoLeaseTableBeforeTheFirstId() {
		String name = "review_" + UUID.randomUUID().toString().replace("-", "");
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class,
					DataSourceAutoConfiguration.class, IdAutoConfiguration.class))
			.withPropertyValues("spring.datasource.url=jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				Integer tables = new JdbcTemplate(context.getBean(DataSource.class))
					.queryForObject("SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE UPPER(TABLE_NAME) = "
							+ "'DISTCORE_WORKER_LEASE'", Integer.class);
				assertThat(tables).as("lease tables created at startup, before any id").isZero();
			});
	}

	/**
	 * The claim runs inside the generator's monitor, with no back-off after a failure: while the store does not
	 * answer, every caller waits for every caller before it to time out, and then times out itself.
	 */
	@Test
	void whileTheStoreDoesNotAnswerCallersFailAfterOneTimeoutNotAfterEveryonesBeforeThem() throws Exception {
		Duration timeout = Duration.ofSeconds(1);
		try (ServerSocket blackHole = new ServerSocket(7011, 50, InetAddress.getLoopbackAddress())) {
			List<Socket> accepted = new CopyOnWriteArrayList<>();
			Thread acceptor = new Thread(() -> {
				try {
					while (true) {
						accepted.add(blackHole.accept());
					}
				}
				catch (IOException ex) {
					// Closed at the end of the test.
				}
			});
			acceptor.setDaemon(true);
			acceptor.start();
			LettuceConnectionFactory factory = new LettuceConnectionFactory(
					new RedisStandaloneConfiguration("127.0.0.1", 7011),
					LettuceClientConfiguration.builder().commandTimeout(timeout).build());
			factory.afterPropertiesSet();
			factory.start();
			try (LeasedWorkerId lease = LeasedWorkerId.lazy(new RedisWorkerIdStore(factory, "review:"), "A",
					SnowflakeLayout.DEFAULT, Duration.ofSeconds(3), Duration.ofSeconds(1))) {
				SnowflakeIdGenerator generator = new SnowflakeIdGenerator(SnowflakeLayout.DEFAULT, lease,
						Clock.systemUTC(), Duration.ofMillis(5), false);
				ExecutorService callers = Executors.newFixedThreadPool(4);
				List<Future<Long>> waits = new ArrayList<>();
				for (int i = 0; i < 4; i++) {
					waits.add(callers.submit(() -> {
						long start = System.nanoTime();
						try {
							generator.nextId();
						}
						catch (RuntimeException ex) {
							// Expected: the store does not answer.
						}
						return System.nanoTime() - start;
					}));
				}
				long longest = 0;
				for (Future<Long> wait : waits) {
					longest = Math.max(longest, wait.get(60, TimeUnit.SECONDS));
				}
				callers.shutdown();
				assertThat(Duration.ofNanos(longest)).as("longest wait of 4 callers, store timeout " + timeout)
					.isLessThan(timeout.multipliedBy(3));
			}
			finally {
				factory.destroy();
				for (Socket socket : accepted) {
					socket.close();
				}
			}
		}
	}

}
