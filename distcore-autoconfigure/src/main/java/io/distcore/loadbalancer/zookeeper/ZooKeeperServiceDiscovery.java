package io.distcore.loadbalancer.zookeeper;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import io.distcore.loadbalancer.ServiceBalancer;
import io.distcore.loadbalancer.ServiceInstance;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.cache.ChildData;
import org.apache.curator.framework.recipes.cache.CuratorCache;
import org.apache.curator.framework.recipes.cache.CuratorCacheListener;

import org.springframework.util.Assert;

/**
 * Keeps the membership of services up to date from their instance nodes in ZooKeeper: a {@link CuratorCache} per
 * service watches the nodes, and every join, leave or change rebuilds that service's membership on Curator's
 * event thread, off the request path. While ZooKeeper is unreachable the last known membership stays in use.
 */
public final class ZooKeeperServiceDiscovery implements AutoCloseable {

	private static final Log logger = LogFactory.getLog(ZooKeeperServiceDiscovery.class);

	private final CuratorFramework client;

	private final String basePath;

	private final List<ServiceBalancer> services;

	private final Duration initialWait;

	private final List<CuratorCache> caches = new ArrayList<>();

	/**
	 * @param client a started Curator client
	 * @param basePath path under which services keep their instances
	 * @param services the services whose instances come from ZooKeeper
	 * @param initialWait how long {@link #start()} waits for the first membership of every service
	 */
	public ZooKeeperServiceDiscovery(CuratorFramework client, String basePath, List<ServiceBalancer> services,
			Duration initialWait) {
		Assert.notNull(client, "CuratorFramework must not be null");
		Assert.hasText(basePath, "Base path must not be empty");
		Assert.notNull(services, "Services must not be null");
		Assert.isTrue(initialWait != null && !initialWait.isNegative(), "Initial wait must not be negative");
		this.client = client;
		this.basePath = basePath;
		this.services = List.copyOf(services);
		this.initialWait = initialWait;
	}

	/**
	 * Starts watching; returns once every service's current instances are known, or after the initial wait
	 * (then with a WARN: those services have no instance until ZooKeeper answers).
	 */
	public synchronized void start() throws InterruptedException {
		CountDownLatch initialized = new CountDownLatch(this.services.size());
		for (ServiceBalancer service : this.services) {
			String path = InstanceNodes.servicePath(this.basePath, service.serviceId());
			CuratorCache cache = CuratorCache.build(this.client, path);
			cache.listenable()
				.addListener(CuratorCacheListener.builder()
					.forAll((type, before, after) -> refresh(service, path, cache))
					.forInitialized(() -> {
						refresh(service, path, cache);
						initialized.countDown();
					})
					.build());
			this.caches.add(cache);
			cache.start();
		}
		if (!initialized.await(this.initialWait.toMillis(), TimeUnit.MILLISECONDS)) {
			logger.warn("Instances of " + this.services.stream().map(ServiceBalancer::serviceId).toList()
					+ " not read from ZooKeeper within " + this.initialWait + "; they are used as soon as they are");
		}
	}

	private void refresh(ServiceBalancer service, String path, CuratorCache cache) {
		List<ServiceInstance> instances = new ArrayList<>();
		String prefix = path + "/";
		cache.stream().filter((data) -> isChild(data, prefix)).forEach((data) -> {
			String name = data.getPath().substring(prefix.length());
			try {
				instances.add(InstanceNodes.decode(service.serviceId(), name, data.getData()));
			}
			catch (RuntimeException ex) {
				logger.warn("Ignoring instance node " + data.getPath() + ": " + ex.getMessage());
			}
		});
		instances.sort(Comparator.comparing((ServiceInstance instance) -> instance.uri().toString()));
		service.update(instances);
	}

	private static boolean isChild(ChildData data, String prefix) {
		return data.getPath().startsWith(prefix) && data.getPath().indexOf('/', prefix.length()) < 0;
	}

	@Override
	public synchronized void close() {
		this.caches.forEach(CuratorCache::close);
		this.caches.clear();
	}

}
