package io.distcore.lock.actuate;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.distcore.lock.LockBackend;
import io.distcore.lock.LockRegistry;
import io.distcore.lock.jdbc.JdbcLockBackend;
import io.distcore.lock.local.LocalLockBackend;
import io.distcore.lock.redis.RedisLockBackend;
import io.distcore.lock.redlock.RedLockBackend;
import io.distcore.lock.zookeeper.ZooKeeperLockBackend;
import io.distcore.support.InstanceId;
import io.distcore.test.RedisEndpoint;
import io.distcore.test.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The locks health indicator on real backends: every backend answers its check, and a health request leaves
 * no key, row or node behind.
 */
class LockHealthIndicatorTests {

	private final String prefix = "distcore-test:" + UUID.randomUUID() + ":health:";

	@Test
	void redisIsCheckedWithAPingThatWritesNoKey() throws Exception {
		LettuceConnectionFactory factory = TestServices.redis().connectionFactory();
		try (RedisLockBackend redis = new RedisLockBackend(factory, this.prefix)) {
			Health health = health(redis);
			assertUp(health, "redis");
			StringRedisTemplate template = new StringRedisTemplate(factory);
			assertThat(template.keys(this.prefix + "*")).isEmpty();
		}
		finally {
			factory.destroy();
		}
	}

	@Test
	void jdbcIsCheckedWithASelectThatWritesNoRowAndReportsAMissingTableWithoutGoingDown() {
		String table = uniqueTable();
		try (HikariDataSource dataSource = TestServices.postgres().dataSource(2)) {
			JdbcLockBackend jdbc = new JdbcLockBackend(dataSource, table, Duration.ofMillis(10), Duration.ofMillis(200),
					Duration.ofSeconds(5));
			jdbc.createSchema();
			JdbcTemplate admin = new JdbcTemplate(dataSource);
			try {
				// createSchema() leaves the token floor row; the check must add nothing to it.
				Long rowsBefore = admin.queryForObject("SELECT COUNT(*) FROM " + table, Long.class);
				assertUp(health(jdbc), "jdbc");
				assertThat(admin.queryForObject("SELECT COUNT(*) FROM " + table, Long.class)).isEqualTo(rowsBefore);
				admin.execute("DROP TABLE " + table);
				Health missing = health(jdbc);
				assertThat(missing.getStatus()).as(missing.toString()).isEqualTo(Status.UP);
				assertThat(backends(missing)).containsEntry("local", "UP")
					.hasEntrySatisfying("jdbc", (result) -> assertThat(result).startsWith("NO TABLE: ")
						.contains("'" + table + "'")
						.contains("distcore.lock.jdbc.initialize-schema=always"));
				assertThat(tableExists(admin, table)).as("the check created the table").isFalse();
			}
			finally {
				admin.execute("DROP TABLE IF EXISTS " + table);
			}
		}
	}

	@Test
	void aMissingTableThatTheFirstLockCreatesIsReportedSoAndNotCreatedByTheCheck() {
		String table = uniqueTable();
		try (HikariDataSource dataSource = TestServices.postgres().dataSource(2)) {
			JdbcLockBackend jdbc = new JdbcLockBackend(dataSource, table, Duration.ofMillis(10), Duration.ofMillis(200),
					Duration.ofSeconds(5), () -> true);
			Health missing = health(jdbc);
			assertThat(missing.getStatus()).isEqualTo(Status.UP);
			assertThat(backends(missing)).hasEntrySatisfying("jdbc",
					(result) -> assertThat(result).startsWith("NO TABLE: ").contains("first lock"));
			assertThat(tableExists(new JdbcTemplate(dataSource), table)).isFalse();
		}
	}

	@Test
	void jdbcIsDownWhenTheDatabaseDoesNotAnswer() throws IOException {
		int closedPort;
		try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
			closedPort = socket.getLocalPort();
		}
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl("jdbc:postgresql://127.0.0.1:" + closedPort + "/test");
		config.setConnectionTimeout(2_000);
		// Started on the first connection, as Boot's pool is, rather than failing here.
		config.setInitializationFailTimeout(-1);
		try (HikariDataSource dataSource = new HikariDataSource(config)) {
			JdbcLockBackend jdbc = new JdbcLockBackend(dataSource, uniqueTable(), Duration.ofMillis(10),
					Duration.ofMillis(200), Duration.ofSeconds(5), () -> true);
			Health health = health(jdbc);
			assertThat(health.getStatus()).isEqualTo(Status.DOWN);
			assertThat(backends(health)).containsEntry("local", "UP")
				.hasEntrySatisfying("jdbc", (result) -> assertThat(result).startsWith("DOWN: "));
		}
	}

	@Test
	void fiftyConcurrentHealthRequestsOnJdbcWriteNoRowAndCountNoLockMetric() throws Exception {
		String table = uniqueTable();
		ExecutorService pool = Executors.newFixedThreadPool(10);
		try (HikariDataSource dataSource = TestServices.postgres().dataSource(4)) {
			JdbcLockBackend jdbc = new JdbcLockBackend(dataSource, table, Duration.ofMillis(10), Duration.ofMillis(200),
					Duration.ofSeconds(5));
			jdbc.createSchema();
			JdbcTemplate admin = new JdbcTemplate(dataSource);
			// Every insert, update or delete leaves a row version with a new xmin: the sum moves with any write.
			String versions = "SELECT COUNT(*) || ':' || COALESCE(SUM(xmin::text::bigint), 0) FROM " + table;
			try {
				String before = admin.queryForObject(versions, String.class);
				SimpleMeterRegistry meters = new SimpleMeterRegistry();
				try (LockRegistry registry = registryWithMetrics(jdbc, meters)) {
					assertAllUp(new LockHealthIndicator(registry), pool, 50);
				}
				assertThat(admin.queryForObject(versions, String.class)).isEqualTo(before);
				assertNoLockActivity(meters);
			}
			finally {
				admin.execute("DROP TABLE IF EXISTS " + table);
			}
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void zooKeeperIsCheckedByItsConnectionStateWritingNoNode() throws Exception {
		String basePath = "/distcore-test/health-" + UUID.randomUUID();
		CuratorFramework client = CuratorFrameworkFactory.newClient(TestServices.zookeeper().getConnectString(),
				new ExponentialBackoffRetry(100, 3));
		client.start();
		try (ZooKeeperLockBackend zookeeper = new ZooKeeperLockBackend(client, basePath)) {
			assertThat(client.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
			assertUp(health(zookeeper), "zookeeper");
			assertThat(client.checkExists().forPath(basePath)).isNull();
		}
		finally {
			client.close();
		}
	}

	@Test
	void redLockIsCheckedWithAPingToEveryNodeWritingNoKey() {
		List<RedisURI> nodes = TestServices.redlockNodes().stream().map((node) -> RedisURI.create(node.uri())).toList();
		try (RedLockBackend redlock = new RedLockBackend(nodes, Duration.ofMillis(250), Duration.ofMillis(100),
				this.prefix)) {
			assertUp(health(redlock), "redlock");
		}
		for (RedisEndpoint node : TestServices.redlockNodes()) {
			RedisClient client = RedisClient.create(node.uri());
			try (StatefulRedisConnection<String, String> connection = client.connect()) {
				assertThat(connection.sync().keys(this.prefix + "*")).isEmpty();
			}
			finally {
				client.shutdown();
			}
		}
	}

	@Test
	void fiftyConcurrentHealthRequestsOnRedisWriteNoKeyAndCountNoLockMetric() throws Exception {
		LettuceConnectionFactory factory = TestServices.redis().connectionFactory();
		ExecutorService pool = Executors.newFixedThreadPool(10);
		SimpleMeterRegistry meters = new SimpleMeterRegistry();
		try (RedisLockBackend redis = new RedisLockBackend(factory, this.prefix);
				LockRegistry registry = registryWithMetrics(redis, meters)) {
			assertAllUp(new LockHealthIndicator(registry), pool, 50);
			assertThat(new StringRedisTemplate(factory).keys(this.prefix + "*")).isEmpty();
			assertNoLockActivity(meters);
		}
		finally {
			pool.shutdownNow();
			factory.destroy();
		}
	}

	private static void assertAllUp(LockHealthIndicator indicator, ExecutorService pool, int requests)
			throws Exception {
		List<Future<Health>> answers = new ArrayList<>();
		for (int i = 0; i < requests; i++) {
			answers.add(pool.submit(() -> indicator.health(true)));
		}
		for (Future<Health> answer : answers) {
			Health health = answer.get(30, TimeUnit.SECONDS);
			assertThat(health.getStatus()).as(health.toString()).isEqualTo(Status.UP);
		}
	}

	private static void assertNoLockActivity(SimpleMeterRegistry meters) {
		assertThat(meters.getMeters().stream().map((meter) -> meter.getId().getName()))
			.as("health checks are no lock activity")
			.containsOnly("distcore.lock.active");
	}

	private static LockRegistry registryWithMetrics(LockBackend backend, SimpleMeterRegistry meters) {
		AtomicReference<LockRegistry> registry = new AtomicReference<>();
		LockMetrics metrics = new LockMetrics(registry::get);
		registry.set(new LockRegistry(InstanceId.generate(), List.of(backend, new LocalLockBackend()), backend.name(),
				Duration.ofSeconds(30), List.of(metrics)));
		metrics.bindTo(meters);
		return registry.get();
	}

	private static String uniqueTable() {
		return "distcore_lock_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
	}

	private static boolean tableExists(JdbcTemplate jdbc, String table) {
		Long count = jdbc.queryForObject(
				"SELECT COUNT(*) FROM information_schema.tables WHERE table_name = ? AND table_schema = current_schema()",
				Long.class, table);
		return count != null && count > 0;
	}

	private static LockRegistry registry(LockBackend backend) {
		return new LockRegistry(InstanceId.generate(), List.of(backend, new LocalLockBackend()), backend.name(),
				Duration.ofSeconds(30), List.of());
	}

	private static Health health(LockBackend backend) {
		try (LockRegistry registry = registry(backend)) {
			return new LockHealthIndicator(registry).health(true);
		}
	}

	private static void assertUp(Health health, String backend) {
		assertThat(health.getStatus()).as(health.toString()).isEqualTo(Status.UP);
		assertThat(health.getDetails()).containsEntry("default", backend).containsEntry("holds", 0);
		assertThat(backends(health)).containsEntry(backend, "UP").containsEntry("local", "UP");
	}

	@SuppressWarnings("unchecked")
	private static Map<String, String> backends(Health health) {
		return (Map<String, String>) health.getDetails().get("backends");
	}

}
