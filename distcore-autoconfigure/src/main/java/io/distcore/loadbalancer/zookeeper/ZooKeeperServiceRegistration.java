package io.distcore.loadbalancer.zookeeper;

import java.io.IOException;

import io.distcore.loadbalancer.ServiceInstance;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;

import org.springframework.util.Assert;

/**
 * Registers one instance as an ephemeral node, which vanishes when this process's ZooKeeper session ends (crash,
 * partition longer than the session timeout) and is re-created by Curator's {@link PersistentNode} when a new
 * session starts. {@link #close()} deregisters at once.
 */
public final class ZooKeeperServiceRegistration implements AutoCloseable {

	private final PersistentNode node;

	private final ServiceInstance instance;

	/**
	 * @param client a started Curator client
	 * @param basePath path under which services keep their instances
	 * @param instance this process's instance
	 */
	public ZooKeeperServiceRegistration(CuratorFramework client, String basePath, ServiceInstance instance) {
		Assert.notNull(client, "CuratorFramework must not be null");
		Assert.hasText(basePath, "Base path must not be empty");
		Assert.notNull(instance, "Instance must not be null");
		this.instance = instance;
		this.node = new PersistentNode(client, CreateMode.EPHEMERAL, false,
				InstanceNodes.instancePath(basePath, instance), InstanceNodes.encode(instance));
	}

	public ServiceInstance instance() {
		return this.instance;
	}

	/**
	 * Starts registering; the node appears as soon as ZooKeeper is reachable.
	 */
	public void start() {
		this.node.start();
	}

	@Override
	public void close() throws IOException {
		this.node.close();
	}

}
