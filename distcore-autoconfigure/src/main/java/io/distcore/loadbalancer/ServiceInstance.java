package io.distcore.loadbalancer;

import java.net.URI;

import org.springframework.util.Assert;

/**
 * One instance of a service: its base URL and its weight. Two instances are the same when their service and
 * URL are equal, so an instance keeps its health and in-flight count across membership updates that list it
 * again, even with a new weight.
 */
public final class ServiceInstance {

	private final String serviceId;

	private final URI uri;

	private final int weight;

	public ServiceInstance(String serviceId, URI uri, int weight) {
		Assert.hasText(serviceId, "Service id must not be empty");
		Assert.notNull(uri, "URI must not be null");
		Assert.isTrue(uri.isAbsolute() && uri.getHost() != null,
				() -> "URI of an instance of '" + serviceId + "' must be absolute with a host, was '" + uri + "'");
		Assert.isTrue(weight > 0, () -> "Weight of " + uri + " must be positive, was " + weight);
		this.serviceId = serviceId;
		this.uri = uri;
		this.weight = weight;
	}

	public ServiceInstance(String serviceId, String uri, int weight) {
		this(serviceId, URI.create(uri), weight);
	}

	public String serviceId() {
		return this.serviceId;
	}

	/**
	 * Base URL: scheme, host, port and an optional path prefix that requests are appended to.
	 */
	public URI uri() {
		return this.uri;
	}

	public int weight() {
		return this.weight;
	}

	@Override
	public boolean equals(Object other) {
		return this == other || (other instanceof ServiceInstance that && this.serviceId.equals(that.serviceId)
				&& this.uri.equals(that.uri));
	}

	@Override
	public int hashCode() {
		return this.serviceId.hashCode() * 31 + this.uri.hashCode();
	}

	@Override
	public String toString() {
		return this.serviceId + "@" + this.uri + (this.weight != 1 ? " (weight " + this.weight + ")" : "");
	}

}
