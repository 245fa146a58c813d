package io.distcore.loadbalancer.zookeeper;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.NoAvailableInstanceException;
import io.distcore.loadbalancer.ServiceBalancer;
import io.distcore.loadbalancer.ServiceInstance;
import io.distcore.loadbalancer.strategy.SmoothWeightedRoundRobinStrategy;
import io.distcore.test.TestServices;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Registration and discovery against a real (in-JVM) ZooKeeper server; each test uses its own base path.
 */
class ZooKeeperServiceDiscoveryTests {

	private static final Duration WAIT = Duration.ofSeconds(20);

	private final String basePath = "/distcore-lb-tests/" + UUID.randomUUID();

	private CuratorFramework client;

	private CuratorFramework otherProcess;

	@BeforeEach
	void connect() {
		this.client = connect(TestServices.zookeeper().getConnectString());
		this.otherProcess = connect(TestServices.zookeeper().getConnectString());
	}

	@AfterEach
	void close() throws Exception {
		this.otherProcess.close();
		if (this.client.checkExists().forPath(this.basePath) != null) {
			this.client.delete().deletingChildrenIfNeeded().forPath(this.basePath);
		}
		this.client.close();
	}

	@Test
	void clientsSeeJoinsAndLeavesWithoutRestart() throws Exception {
		ServiceBalancer inventory = new ServiceBalancer("inventory", new SmoothWeightedRoundRobinStrategy(), List.of());
		try (ZooKeeperServiceDiscovery discovery = new ZooKeeperServiceDiscovery(this.client, this.basePath,
				List.of(inventory), Duration.ofSeconds(10))) {
			discovery.start();
			assertThatExceptionOfType(NoAvailableInstanceException.class).isThrownBy(() -> inventory.choose(null));
			ZooKeeperServiceRegistration first = register("http://10.0.0.1:8081", 5);
			ZooKeeperServiceRegistration second = new ZooKeeperServiceRegistration(this.otherProcess, this.basePath,
					new ServiceInstance("inventory", "http://10.0.0.2:8081", 1));
			second.start();
			await().atMost(WAIT).until(() -> inventory.endpoints().size() == 2);
			assertThat(inventory.endpoints()).extracting(Endpoint::instance)
				.extracting(ServiceInstance::weight)
				.containsExactly(5, 1);
			second.close();
			await().atMost(WAIT).until(() -> inventory.endpoints().size() == 1);
			assertThat(inventory.choose(null).uri()).hasToString("http://10.0.0.1:8081");
			ZooKeeperServiceRegistration third = register("http://10.0.0.3:8081", 1);
			await().atMost(WAIT).until(() -> inventory.endpoints().size() == 2);
			first.close();
			third.close();
			await().atMost(WAIT).until(() -> inventory.endpoints().isEmpty());
		}
	}

	@Test
	void instanceVanishesWhenItsProcessDies() throws Exception {
		ServiceBalancer inventory = new ServiceBalancer("inventory", new SmoothWeightedRoundRobinStrategy(), List.of());
		try (ZooKeeperServiceDiscovery discovery = new ZooKeeperServiceDiscovery(this.client, this.basePath,
				List.of(inventory), Duration.ofSeconds(10))) {
			discovery.start();
			new ZooKeeperServiceRegistration(this.otherProcess, this.basePath,
					new ServiceInstance("inventory", "http://10.0.0.9:8081", 1))
				.start();
			await().atMost(WAIT).until(() -> inventory.endpoints().size() == 1);
			// Closing the client ends its session, as a crash would once the session timeout passed.
			this.otherProcess.close();
			await().atMost(WAIT).until(() -> inventory.endpoints().isEmpty());
		}
	}

	@Test
	void nodeCodecRoundTrips() {
		ServiceInstance instance = new ServiceInstance("inventory", "http://10.0.0.1:8081/api", 3);
		String path = InstanceNodes.instancePath("/base", instance);
		String name = path.substring(path.lastIndexOf('/') + 1);
		assertThat(InstanceNodes.decode("inventory", name, InstanceNodes.encode(instance))).isEqualTo(instance)
			.extracting(ServiceInstance::weight)
			.isEqualTo(3);
		assertThat(InstanceNodes.decode("inventory", name, new byte[0])).isEqualTo(instance);
	}

	private ZooKeeperServiceRegistration register(String url, int weight) {
		ZooKeeperServiceRegistration registration = new ZooKeeperServiceRegistration(this.client, this.basePath,
				new ServiceInstance("inventory", url, weight));
		registration.start();
		return registration;
	}

	private static CuratorFramework connect(String connectString) {
		CuratorFramework client = CuratorFrameworkFactory.builder()
			.connectString(connectString)
			.sessionTimeoutMs(10_000)
			.connectionTimeoutMs(5_000)
			.retryPolicy(new RetryOneTime(100))
			.build();
		client.start();
		return client;
	}

}
