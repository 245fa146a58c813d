package io.distcore.loadbalancer;

import java.util.Set;

/**
 * Client-side load balancer over named services. Thread-safe; {@link #choose(String, String)} neither blocks nor
 * allocates.
 */
public interface LoadBalancer {

	/**
	 * Picks an instance of a service, for clients that make the call themselves. The pick is not counted in
	 * flight and its outcome is not recorded: use {@link #service(String)} and {@link ServiceBalancer#start} for
	 * that.
	 * @param serviceId the service's name
	 * @param hashKey affinity key for consistent hashing, or {@code null}
	 * @throws NoAvailableInstanceException if the service is unknown or has no instance
	 */
	default ServiceInstance choose(String serviceId, String hashKey) {
		ServiceBalancer service = service(serviceId);
		if (service == null) {
			throw new NoAvailableInstanceException(serviceId, "Unknown service '" + serviceId + "'");
		}
		return service.choose(hashKey);
	}

	/**
	 * The balancer of one service, or {@code null} if the service is not load-balanced (requests to a host of
	 * that name go out unchanged).
	 */
	ServiceBalancer service(String serviceId);

	/**
	 * Names of the load-balanced services.
	 */
	Set<String> serviceIds();

}
