package io.distcore.loadbalancer.actuate;

import io.distcore.loadbalancer.LoadBalancerListener;
import io.distcore.loadbalancer.ServiceInstance;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer meters of the load balancer: {@code distcore.loadbalancer.choices} (tags {@code service},
 * {@code instance}, {@code retry}) and {@code distcore.loadbalancer.ejections} (tags {@code service},
 * {@code instance}). Instances are tagged by URL without credentials; their number is the service's membership,
 * so the tags stay bounded.
 */
public class LoadBalancerMetrics implements LoadBalancerListener, MeterBinder {

	private volatile MeterRegistry registry;

	@Override
	public void bindTo(MeterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public void chosen(String serviceId, ServiceInstance instance, boolean retry) {
		MeterRegistry registry = this.registry;
		if (registry != null) {
			Counter.builder("distcore.loadbalancer.choices")
				.description("Instances picked for requests, retries included")
				.tag("service", serviceId)
				.tag("instance", LoadBalancerEndpoint.withoutUserInfo(instance.uri()))
				.tag("retry", Boolean.toString(retry))
				.register(registry)
				.increment();
		}
	}

	@Override
	public void ejected(String serviceId, ServiceInstance instance) {
		MeterRegistry registry = this.registry;
		if (registry != null) {
			Counter.builder("distcore.loadbalancer.ejections")
				.description("Instances passive health took out")
				.tag("service", serviceId)
				.tag("instance", LoadBalancerEndpoint.withoutUserInfo(instance.uri()))
				.register(registry)
				.increment();
		}
	}

}
