package io.distcore.loadbalancer.autoconfigure;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.distcore.loadbalancer.LoadBalancingStrategy;
import io.distcore.loadbalancer.RetryPolicy;
import io.distcore.loadbalancer.ServiceBalancer;
import io.distcore.loadbalancer.ServiceInstance;
import io.distcore.loadbalancer.autoconfigure.LoadBalancerProperties.Discovery;
import io.distcore.loadbalancer.autoconfigure.LoadBalancerProperties.Health;
import io.distcore.loadbalancer.autoconfigure.LoadBalancerProperties.Instance;
import io.distcore.loadbalancer.autoconfigure.LoadBalancerProperties.Service;
import io.distcore.loadbalancer.autoconfigure.LoadBalancerProperties.Strategy;
import io.distcore.loadbalancer.health.PassiveHealthPolicy;
import io.distcore.loadbalancer.strategy.ConsistentHashStrategy;
import io.distcore.loadbalancer.strategy.LeastConnectionsStrategy;
import io.distcore.loadbalancer.strategy.RoundRobinStrategy;
import io.distcore.loadbalancer.strategy.SmoothWeightedRoundRobinStrategy;
import io.distcore.loadbalancer.strategy.WeightedRandomStrategy;

/**
 * Turns validated {@code distcore.loadbalancer.*} properties into service balancers; every invalid value fails
 * with the name of its property.
 */
final class ServiceBalancers {

	private static final String PREFIX = "distcore.loadbalancer.";

	private ServiceBalancers() {
	}

	static List<ServiceBalancer> create(LoadBalancerProperties properties, boolean zookeeperAvailable) {
		PassiveHealthPolicy health = healthPolicy(properties.getHealth());
		RetryPolicy retry = retryPolicy(properties.getRetry());
		check(properties.getVirtualNodes() > 0, "virtual-nodes", "must be positive", properties.getVirtualNodes());
		checkLoadFactor("bounded-load-factor", properties.getBoundedLoadFactor());
		properties.getFailureStatuses().forEach((status) -> checkStatus("failure-statuses", status));
		List<ServiceBalancer> services = new ArrayList<>();
		for (Map.Entry<String, Service> entry : properties.getServices().entrySet()) {
			String name = entry.getKey();
			Service service = entry.getValue();
			String prefix = "services." + name + ".";
			check(isHostName(name), prefix.substring(0, prefix.length() - 1), "must be usable as a host name", name);
			List<ServiceInstance> instances = instances(name, service, prefix);
			if (service.getDiscovery() == Discovery.ZOOKEEPER) {
				check(zookeeperAvailable, prefix + "discovery",
						"needs ZooKeeper: set distcore.zookeeper.connect-string (and have Curator on the class path)",
						"zookeeper");
			}
			else {
				check(!instances.isEmpty(), prefix + "instances", "must list at least one instance (or set "
						+ PREFIX + prefix + "urls, or discovery: zookeeper)", "[]");
			}
			Strategy strategy = (service.getStrategy() != null) ? service.getStrategy() : properties.getStrategy();
			int virtualNodes = (service.getVirtualNodes() != null) ? service.getVirtualNodes()
					: properties.getVirtualNodes();
			check(virtualNodes > 0, prefix + "virtual-nodes", "must be positive", virtualNodes);
			double loadFactor = (service.getBoundedLoadFactor() != null) ? service.getBoundedLoadFactor()
					: properties.getBoundedLoadFactor();
			checkLoadFactor(prefix + "bounded-load-factor", loadFactor);
			services.add(new ServiceBalancer(name, strategy(strategy, virtualNodes, loadFactor), health, retry,
					properties.getFailureStatuses(), instances));
		}
		return services;
	}

	static LoadBalancingStrategy strategy(Strategy strategy, int virtualNodes, double loadFactor) {
		return switch (strategy) {
			case ROUND_ROBIN -> new RoundRobinStrategy();
			case WEIGHTED_ROUND_ROBIN -> new SmoothWeightedRoundRobinStrategy();
			case WEIGHTED_RANDOM -> new WeightedRandomStrategy();
			case CONSISTENT_HASH -> new ConsistentHashStrategy(virtualNodes, loadFactor);
			case LEAST_CONNECTIONS -> new LeastConnectionsStrategy();
		};
	}

	private static List<ServiceInstance> instances(String name, Service service, String prefix) {
		List<ServiceInstance> instances = new ArrayList<>();
		for (int i = 0; i < service.getInstances().size(); i++) {
			Instance instance = service.getInstances().get(i);
			String property = prefix + "instances[" + i + "]";
			check(instance.getWeight() > 0, property + ".weight", "must be at least 1", instance.getWeight());
			instances.add(new ServiceInstance(name, url(property + ".url", instance.getUrl()), instance.getWeight()));
		}
		for (int i = 0; i < service.getUrls().size(); i++) {
			instances.add(new ServiceInstance(name, url(prefix + "urls[" + i + "]", service.getUrls().get(i).trim()), 1));
		}
		return instances;
	}

	static URI url(String property, String value) {
		URI uri;
		try {
			uri = (value != null) ? new URI(value) : null;
		}
		catch (Exception ex) {
			uri = null;
		}
		check(uri != null && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
				&& uri.getHost() != null, property, "must be an absolute http or https URL with a host", value);
		return uri;
	}

	// Requests name the service as the host of their URL, so the name must parse as one.
	private static boolean isHostName(String name) {
		try {
			return name.equals(new URI("http://" + name + "/").getHost());
		}
		catch (URISyntaxException ex) {
			return false;
		}
	}

	private static PassiveHealthPolicy healthPolicy(Health health) {
		check(health.getConsecutiveFailures() >= 0, "health.consecutive-failures", "must not be negative",
				health.getConsecutiveFailures());
		check(isPositive(health.getBaseEjectionTime()), "health.base-ejection-time", "must be positive",
				health.getBaseEjectionTime());
		check(health.getMaxEjectionTime() != null && health.getMaxEjectionTime().compareTo(health.getBaseEjectionTime()) >= 0,
				"health.max-ejection-time", "must not be shorter than health.base-ejection-time", health.getMaxEjectionTime());
		checkPercent("health.max-ejection-percent", health.getMaxEjectionPercent(), 0);
		checkPercent("health.panic-threshold-percent", health.getPanicThresholdPercent(), 0);
		check(health.getSlowStart() != null && !health.getSlowStart().isNegative(), "health.slow-start",
				"must not be negative", health.getSlowStart());
		checkPercent("health.slow-start-min-weight-percent", health.getSlowStartMinWeightPercent(), 1);
		return new PassiveHealthPolicy(health.getConsecutiveFailures(), health.getBaseEjectionTime(),
				health.getMaxEjectionTime(), health.getMaxEjectionPercent() / 100.0,
				health.getPanicThresholdPercent() / 100.0, health.getSlowStart(),
				health.getSlowStartMinWeightPercent() / 100.0);
	}

	private static RetryPolicy retryPolicy(LoadBalancerProperties.Retry retry) {
		check(retry.getMaxRetries() >= 0, "retry.max-retries", "must not be negative", retry.getMaxRetries());
		check(retry.getBackoff() != null && !retry.getBackoff().isNegative(), "retry.backoff", "must not be negative",
				retry.getBackoff());
		retry.getStatuses().forEach((status) -> checkStatus("retry.statuses", status));
		return new RetryPolicy(retry.getMaxRetries(), retry.getBackoff(), retry.getStatuses(),
				retry.isNonIdempotent());
	}

	private static boolean isPositive(Duration duration) {
		return duration != null && !duration.isNegative() && !duration.isZero();
	}

	private static void checkStatus(String property, Integer status) {
		check(status != null && status >= 100 && status <= 599, property, "must hold HTTP statuses (100 to 599)", status);
	}

	private static void checkPercent(String property, int value, int min) {
		check(value >= min && value <= 100, property, "must be between " + min + " and 100", value);
	}

	private static void checkLoadFactor(String property, double value) {
		check(value == 0 || value >= 1, property, "must be 0 (no bound) or at least 1", value);
	}

	private static void check(boolean valid, String property, String rule, Object value) {
		if (!valid) {
			throw new IllegalStateException(PREFIX + property + " " + rule + ", was '" + value + "'");
		}
	}

}
