package io.distcore.loadbalancer.actuate;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.LoadBalancer;
import io.distcore.loadbalancer.ServiceBalancer;
import io.distcore.loadbalancer.health.InstanceHealth;
import io.distcore.loadbalancer.health.ServiceHealth;

import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * {@code /actuator/loadbalancer}: per service the instances with their weights, requests in flight and passive
 * health; {@code /actuator/loadbalancer/{service}} one service (404 when unknown).
 */
@org.springframework.boot.actuate.endpoint.annotation.Endpoint(id = "loadbalancer")
public class LoadBalancerEndpoint {

	private final LoadBalancer loadBalancer;

	public LoadBalancerEndpoint(LoadBalancer loadBalancer) {
		this.loadBalancer = loadBalancer;
	}

	@ReadOperation
	public Map<String, ServiceDescriptor> services() {
		Map<String, ServiceDescriptor> services = new TreeMap<>();
		for (String serviceId : this.loadBalancer.serviceIds()) {
			services.put(serviceId, describe(this.loadBalancer.service(serviceId)));
		}
		return services;
	}

	@ReadOperation
	public ServiceDescriptor service(@Selector String serviceId) {
		ServiceBalancer balancer = this.loadBalancer.service(serviceId);
		// null is Boot's 404 for a read operation.
		return (balancer != null) ? describe(balancer) : null;
	}

	static ServiceDescriptor describe(ServiceBalancer balancer) {
		ServiceHealth health = balancer.health();
		long now = health.nanoTime();
		List<InstanceDescriptor> instances = new ArrayList<>();
		for (Endpoint endpoint : balancer.endpoints()) {
			InstanceHealth instance = endpoint.health();
			instances.add(new InstanceDescriptor(withoutUserInfo(endpoint.instance().uri()), endpoint.instance().weight(),
					(double) endpoint.scaledWeight() / Endpoint.WEIGHT_SCALE, endpoint.inFlight(), instance.isEjected(),
					instance.ejectionLeft(now), instance.consecutiveFailures(), instance.timesEjected()));
		}
		return new ServiceDescriptor(health.isPanicking(), health.ejectedCount(), instances);
	}

	/** Credentials in an instance URL are the service's business, not the endpoint's. */
	static String withoutUserInfo(URI uri) {
		if (uri.getUserInfo() == null) {
			return uri.toString();
		}
		try {
			return new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getPath(), uri.getQuery(), null)
				.toString();
		}
		catch (URISyntaxException ex) {
			return uri.getScheme() + "://" + uri.getHost() + ((uri.getPort() >= 0) ? ":" + uri.getPort() : "");
		}
	}

	/**
	 * One service.
	 *
	 * @param panicking whether so many instances are ejected that picks ignore health (panic mode)
	 * @param ejected instances ejected now
	 * @param instances the instances, in membership order
	 */
	public record ServiceDescriptor(boolean panicking, int ejected, List<InstanceDescriptor> instances) {
	}

	/**
	 * One instance.
	 *
	 * @param url its URL, credentials left out
	 * @param weight configured weight
	 * @param effectiveWeight weight picks use now: lower while it warms up after slow start
	 * @param inFlight requests running on it
	 * @param ejected whether passive health has taken it out
	 * @param ejectionLeft how long its ejection still lasts; zero when not ejected
	 * @param consecutiveFailures failures in a row
	 * @param timesEjected the ejection multiplier as of its last ejection
	 */
	public record InstanceDescriptor(String url, int weight, double effectiveWeight, int inFlight, boolean ejected,
			Duration ejectionLeft, int consecutiveFailures, int timesEjected) {
	}

}
