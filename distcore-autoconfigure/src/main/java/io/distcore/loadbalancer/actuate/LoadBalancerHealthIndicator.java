package io.distcore.loadbalancer.actuate;

import java.util.LinkedHashMap;
import java.util.Map;

import io.distcore.loadbalancer.LoadBalancer;
import io.distcore.loadbalancer.ServiceBalancer;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;

/**
 * UP while every load-balanced service has an instance that passive health has not ejected; otherwise
 * {@code DEGRADED}, naming the services. Not DOWN: this application works, a service it calls does not, and
 * restarting this one (what a DOWN liveness or readiness answer leads to) would not help; {@code DEGRADED} is a
 * status outside Boot's order, so it shows on this component without turning the overall status. Reads memory
 * only, no request.
 */
public class LoadBalancerHealthIndicator extends AbstractHealthIndicator {

	static final Status DEGRADED = new Status("DEGRADED", "every instance of a service is ejected");

	private final LoadBalancer loadBalancer;

	public LoadBalancerHealthIndicator(LoadBalancer loadBalancer) {
		super("Load balancer health check failed");
		this.loadBalancer = loadBalancer;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		boolean allUp = true;
		Map<String, Object> services = new LinkedHashMap<>();
		for (String serviceId : this.loadBalancer.serviceIds().stream().sorted().toList()) {
			ServiceBalancer balancer = this.loadBalancer.service(serviceId);
			int instances = balancer.endpoints().size();
			int ejected = balancer.health().ejectedCount();
			boolean noneLeft = instances > 0 && ejected >= instances;
			allUp &= !noneLeft;
			services.put(serviceId, Map.of("instances", instances, "ejected", ejected, "panicking",
					balancer.health().isPanicking()));
		}
		builder.status(allUp ? Status.UP : DEGRADED).withDetail("services", services);
	}

}
