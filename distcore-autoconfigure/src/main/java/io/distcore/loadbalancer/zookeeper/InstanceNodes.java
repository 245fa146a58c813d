package io.distcore.loadbalancer.zookeeper;

import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

import io.distcore.loadbalancer.ServiceInstance;

/**
 * How an instance is stored in ZooKeeper: node {@code <base-path>/<service>/<url-encoded URL>}, data
 * {@code "<weight> <url>"} in UTF-8.
 */
final class InstanceNodes {

	private InstanceNodes() {
	}

	static String servicePath(String basePath, String serviceId) {
		return (basePath.endsWith("/") ? basePath : basePath + "/") + serviceId;
	}

	static String instancePath(String basePath, ServiceInstance instance) {
		return servicePath(basePath, instance.serviceId()) + "/"
				+ URLEncoder.encode(instance.uri().toString(), StandardCharsets.UTF_8);
	}

	static byte[] encode(ServiceInstance instance) {
		return (instance.weight() + " " + instance.uri()).getBytes(StandardCharsets.UTF_8);
	}

	/**
	 * Reads an instance node; a node without data (written by hand) is an instance of weight 1 at the URL its
	 * name encodes.
	 * @throws IllegalArgumentException if the node does not describe an instance
	 */
	static ServiceInstance decode(String serviceId, String nodeName, byte[] data) {
		String text = (data != null) ? new String(data, StandardCharsets.UTF_8).trim() : "";
		if (text.isEmpty()) {
			return new ServiceInstance(serviceId, URI.create(URLDecoder.decode(nodeName, StandardCharsets.UTF_8)), 1);
		}
		int space = text.indexOf(' ');
		if (space < 0) {
			throw new IllegalArgumentException("Expected '<weight> <url>', got '" + text + "'");
		}
		return new ServiceInstance(serviceId, URI.create(text.substring(space + 1).trim()),
				Integer.parseInt(text.substring(0, space)));
	}

}
