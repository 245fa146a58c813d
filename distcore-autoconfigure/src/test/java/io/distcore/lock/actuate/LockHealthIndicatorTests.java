package io.distcore.lock.actuate;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

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
	void jdbcIsCheckedWithASelectThatWritesNoRowAndIsDownWithoutItsTable() {
		String table = "distcore_lock_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		try (HikariDataSource dataSource = TestServices.postgres().dataSource(2)) {
			JdbcLockBackend jdbc = new JdbcLockBackend(dataSource, table, Duration.ofMillis(10), Duration.ofMillis(200),
					Duration.ofSeconds(5));
			jdbc.createSchema();
			JdbcTemplate admin = new JdbcTemplate(dataSource);
			try {
				assertUp(health(jdbc), "jdbc");
				// createSchema writes the token floor (the empty name); the check itself writes nothing.
				assertThat(admin.queryForObject("SELECT COUNT(*) FROM " + table + " WHERE name <> ''", Long.class))
					.isZero();
				admin.execute("DROP TABLE " + table);
				Health down = health(jdbc);
				assertThat(down.getStatus()).isEqualTo(Status.DOWN);
				assertThat(backends(down)).containsEntry("local", "UP")
					.hasEntrySatisfying("jdbc", (result) -> assertThat(result).startsWith("DOWN: ").contains(table));
			}
			finally {
				admin.execute("DROP TABLE IF EXISTS " + table);
			}
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
	void concurrentHealthRequestsAllAnswerUpAndWriteNothing() throws Exception {
		LettuceConnectionFactory factory = TestServices.redis().connectionFactory();
		ExecutorService pool = Executors.newFixedThreadPool(8);
		try (RedisLockBackend redis = new RedisLockBackend(factory, this.prefix);
				LockRegistry registry = registry(redis)) {
			LockHealthIndicator indicator = new LockHealthIndicator(registry);
			List<Future<Status>> requests = new ArrayList<>();
			for (int i = 0; i < 40; i++) {
				requests.add(pool.submit(() -> indicator.health(true).getStatus()));
			}
			for (Future<Status> request : requests) {
				assertThat(request.get(20, TimeUnit.SECONDS)).isEqualTo(Status.UP);
			}
			assertThat(new StringRedisTemplate(factory).keys(this.prefix + "*")).isEmpty();
		}
		finally {
			pool.shutdownNow();
			factory.destroy();
		}
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
