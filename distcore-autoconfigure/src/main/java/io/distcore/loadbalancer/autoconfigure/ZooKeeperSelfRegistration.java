package io.distcore.loadbalancer.autoconfigure;

import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;

import io.distcore.loadbalancer.ServiceInstance;
import io.distcore.loadbalancer.zookeeper.ZooKeeperServiceRegistration;
import io.distcore.support.PropertyChecks;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.curator.framework.CuratorFramework;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.core.env.Environment;

/**
 * Registers this application in ZooKeeper once it is ready to serve (so clients never see an instance that is
 * still starting) and deregisters it when the context closes.
 */
final class ZooKeeperSelfRegistration implements ApplicationListener<ApplicationReadyEvent>, DisposableBean {

	private static final Log logger = LogFactory.getLog(ZooKeeperSelfRegistration.class);

	private final CuratorFramework client;

	private final String basePath;

	private final String serviceId;

	private final String url;

	private final int weight;

	private ZooKeeperServiceRegistration registration;

	ZooKeeperSelfRegistration(CuratorFramework client, LoadBalancerProperties.ZooKeeper properties,
			Environment environment) {
		LoadBalancerProperties.ZooKeeper.Registration registration = properties.getRegistration();
		this.serviceId = (registration.getServiceName() != null) ? registration.getServiceName()
				: environment.getProperty("spring.application.name");
		if (this.serviceId == null || this.serviceId.isBlank()) {
			throw PropertyChecks.invalid("distcore.loadbalancer.zookeeper.registration.service-name", this.serviceId,
					"must be set (or spring.application.name) to register this application");
		}
		if (registration.getUrl() != null) {
			ServiceBalancers.url("zookeeper.registration.url", registration.getUrl());
		}
		PropertyChecks.check(registration.getWeight() >= 1, "distcore.loadbalancer.zookeeper.registration.weight",
				registration.getWeight(), "must be at least 1");
		this.client = client;
		this.basePath = properties.getBasePath();
		this.url = registration.getUrl();
		this.weight = registration.getWeight();
	}

	@Override
	public synchronized void onApplicationEvent(ApplicationReadyEvent event) {
		if (this.registration != null) {
			return;
		}
		URI uri = (this.url != null) ? URI.create(this.url) : localUrl(event.getApplicationContext().getEnvironment());
		this.registration = new ZooKeeperServiceRegistration(this.client, this.basePath,
				new ServiceInstance(this.serviceId, uri, this.weight));
		this.registration.start();
		logger.info("Registered " + this.registration.instance() + " in ZooKeeper under " + this.basePath);
	}

	private static URI localUrl(Environment environment) {
		String port = environment.getProperty("local.server.port");
		if (port == null) {
			throw PropertyChecks.invalid("distcore.loadbalancer.zookeeper.registration.url", null,
					"must be set when no web server runs");
		}
		try {
			return URI.create("http://" + InetAddress.getLocalHost().getHostAddress() + ":" + port);
		}
		catch (UnknownHostException ex) {
			throw new IllegalStateException("Cannot tell this host's address: set "
					+ "distcore.loadbalancer.zookeeper.registration.url", ex);
		}
	}

	@Override
	public synchronized void destroy() throws IOException {
		if (this.registration != null) {
			this.registration.close();
			this.registration = null;
		}
	}

}
