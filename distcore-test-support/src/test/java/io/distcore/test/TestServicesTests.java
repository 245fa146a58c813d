package io.distcore.test;

import java.nio.charset.StandardCharsets;
import java.util.List;

import com.zaxxer.hikari.HikariDataSource;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.TestingCluster;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Proves that every service the helper hands out really answers.
 */
class TestServicesTests {

	@Test
	void primaryRedisAnswersPingAndKeepsAValue() {
		assertRedisWorks(TestServices.redis());
	}

	@Test
	void everyRedLockNodeIsAnIndependentRedis() {
		List<RedisEndpoint> nodes = TestServices.redlockNodes();
		assertThat(nodes).hasSize(TestServices.REDLOCK_NODES).doesNotHaveDuplicates().doesNotContain(TestServices.redis());
		nodes.forEach(TestServicesTests::assertRedisWorks);
	}

	@Test
	void postgresAnswersSelectOne() {
		assertSelectOne(TestServices.postgres());
	}

	@Test
	void mariadbAnswersSelectOne() {
		assertSelectOne(TestServices.mariadb());
	}

	@Test
	void h2AnswersSelectOne() {
		assertSelectOne(TestServices.h2("test_services_" + System.nanoTime()));
	}

	@Test
	void zookeeperServerCreatesAndReadsANode() throws Exception {
		assertZooKeeperWorks(TestServices.zookeeper().getConnectString());
	}

	@Test
	void zookeeperEnsembleCreatesAndReadsANode() throws Exception {
		try (TestingCluster cluster = TestServices.zookeeperCluster(3)) {
			assertThat(cluster.getInstances()).hasSize(3);
			assertZooKeeperWorks(cluster.getConnectString());
		}
	}

	private static void assertRedisWorks(RedisEndpoint endpoint) {
		LettuceConnectionFactory factory = endpoint.connectionFactory();
		try {
			StringRedisTemplate redis = new StringRedisTemplate(factory);
			String key = "distcore:test-services:" + System.nanoTime();
			assertThat(factory.getConnection().ping()).isEqualTo("PONG");
			redis.opsForValue().set(key, endpoint.uri());
			assertThat(redis.opsForValue().get(key)).isEqualTo(endpoint.uri());
			redis.delete(key);
		}
		finally {
			factory.destroy();
		}
	}

	private static void assertSelectOne(JdbcEndpoint endpoint) {
		try (HikariDataSource dataSource = endpoint.dataSource(1)) {
			assertThat(JdbcClient.create(dataSource).sql("select 1").query(Integer.class).single()).isEqualTo(1);
		}
	}

	private static void assertZooKeeperWorks(String connectString) throws Exception {
		try (CuratorFramework client = CuratorFrameworkFactory.newClient(connectString, new RetryOneTime(100))) {
			client.start();
			String path = "/distcore-test-services/" + System.nanoTime();
			client.create().creatingParentsIfNeeded().forPath(path, "answer".getBytes(StandardCharsets.UTF_8));
			assertThat(new String(client.getData().forPath(path), StandardCharsets.UTF_8)).isEqualTo("answer");
			client.delete().deletingChildrenIfNeeded().forPath("/distcore-test-services");
		}
	}

}
