package io.distcore.loadbalancer;

/**
 * Told what a {@link ServiceBalancer} decides, for metrics: the balancer itself depends on no metrics library.
 * Called on the request's thread, so an implementation must be quick; one that throws is logged and ignored.
 */
public interface LoadBalancerListener {

	/** Listens to nothing. */
	LoadBalancerListener NONE = new LoadBalancerListener() {
	};

	/**
	 * An instance was picked for a request.
	 * @param serviceId the service
	 * @param instance the instance picked
	 * @param retry whether the request had tried another instance already
	 */
	default void chosen(String serviceId, ServiceInstance instance, boolean retry) {
	}

	/**
	 * Passive health ejected an instance.
	 * @param serviceId the service
	 * @param instance the instance ejected
	 */
	default void ejected(String serviceId, ServiceInstance instance) {
	}

}
