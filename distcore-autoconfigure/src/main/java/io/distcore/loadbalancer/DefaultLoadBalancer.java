package io.distcore.loadbalancer;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import org.springframework.util.Assert;

/**
 * A {@link LoadBalancer} over a fixed set of services; their memberships may change through
 * {@link ServiceBalancer#update}.
 */
public final class DefaultLoadBalancer implements LoadBalancer {

	private final Map<String, ServiceBalancer> services;

	public DefaultLoadBalancer(Collection<ServiceBalancer> services) {
		Assert.notNull(services, "Services must not be null");
		Map<String, ServiceBalancer> byId = new LinkedHashMap<>();
		for (ServiceBalancer service : services) {
			Assert.isTrue(byId.put(service.serviceId(), service) == null,
					() -> "Service '" + service.serviceId() + "' is defined twice");
		}
		this.services = Map.copyOf(byId);
	}

	@Override
	public ServiceBalancer service(String serviceId) {
		return (serviceId != null) ? this.services.get(serviceId) : null;
	}

	@Override
	public Set<String> serviceIds() {
		return this.services.keySet();
	}

}
