package io.distcore.loadbalancer.autoconfigure;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import io.distcore.loadbalancer.LoadBalancingStrategy;
import io.distcore.loadbalancer.RetryPolicy;
import io.distcore.loadbalancer.ServiceBalancer;
import io.distcore.loadbalancer.ServiceInstance;
import io.distcore.loadbalancer.autoconfigure.LoadBalancerProperties.Discovery;
import io.distcore.loadbalancer.autoconfigure.LoadBalancerProperties.Health;
import io.distcore.loadbalancer.autoconfigure.LoadBalancerProperties.Instance;
import io.distcore.loadbalancer.autoconfigure.LoadBalancerProperties.Retry;
import io.distcore.loadbalancer.autoconfigure.LoadBalancerProperties.Service;
import io.distcore.loadbalancer.autoconfigure.LoadBalancerProperties.Strategy;
import io.distcore.loadbalancer.health.PassiveHealthPolicy;
import io.distcore.loadbalancer.strategy.ConsistentHashStrategy;
import io.distcore.loadbalancer.strategy.ConsistentHashStrategy.Hash;
import io.distcore.loadbalancer.strategy.LeastConnectionsStrategy;
import io.distcore.loadbalancer.strategy.RoundRobinStrategy;
import io.distcore.loadbalancer.strategy.SmoothWeightedRoundRobinStrategy;
import io.distcore.loadbalancer.strategy.WeightedRandomStrategy;
import io.distcore.support.PropertyChecks;

/**
 * Turns validated {@code distcore.loadbalancer.*} properties into service balancers; every invalid value fails
 * with the name of its property.
 */
final class ServiceBalancers {

	private static final String PREFIX = "distcore.loadbalancer.";

	private ServiceBalancers() {
	}

	static List<ServiceBalancer> create(LoadBalancerProperties properties, boolean zookeeperAvailable) {
		// The defaults are checked on their own first, so that a bad default is named as such.
		healthPolicy("", properties.getHealth(), Health.unset());
		retryPolicy("", properties.getRetry(), Retry.unset());
		check(properties.getVirtualNodes() > 0, "virtual-nodes", "must be positive", properties.getVirtualNodes());
		checkLoadFactor("bounded-load-factor", properties.getBoundedLoadFactor());
		checkStatuses("failure-statuses", properties.getFailureStatuses());
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
			Hash hash = (service.getHash() != null) ? service.getHash() : properties.getHash();
			check(hash != Hash.KETAMA || service.getVirtualNodes() == null, prefix + "virtual-nodes",
					"cannot be set with hash ketama (libketama gives 160 points per server, shared out by weight)",
					service.getVirtualNodes());
			double loadFactor = (service.getBoundedLoadFactor() != null) ? service.getBoundedLoadFactor()
					: properties.getBoundedLoadFactor();
			checkLoadFactor(prefix + "bounded-load-factor", loadFactor);
			PassiveHealthPolicy health = healthPolicy(prefix, properties.getHealth(), service.getHealth());
			RetryPolicy retry = retryPolicy(prefix, properties.getRetry(), service.getRetry());
			Set<Integer> failureStatuses = (service.getFailureStatuses() != null) ? service.getFailureStatuses()
					: properties.getFailureStatuses();
			checkStatuses(prefix + "failure-statuses", failureStatuses);
			services.add(new ServiceBalancer(name, strategy(strategy, virtualNodes, loadFactor, hash), health, retry,
					failureStatuses, instances));
		}
		return services;
	}

	static LoadBalancingStrategy strategy(Strategy strategy, int virtualNodes, double loadFactor, Hash hash) {
		return switch (strategy) {
			case ROUND_ROBIN -> new RoundRobinStrategy();
			case WEIGHTED_ROUND_ROBIN -> new SmoothWeightedRoundRobinStrategy();
			case WEIGHTED_RANDOM -> new WeightedRandomStrategy();
			case CONSISTENT_HASH -> new ConsistentHashStrategy(virtualNodes, loadFactor, hash);
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

	// A service's passive health: its own keys over the defaults, each checked under the service's property name.
	private static PassiveHealthPolicy healthPolicy(String prefix, Health defaults, Health service) {
		Layered<Health> keys = new Layered<>(prefix + "health.", defaults, service);
		int consecutiveFailures = keys.get("consecutive-failures", Health::getConsecutiveFailures);
		Duration baseEjectionTime = keys.get("base-ejection-time", Health::getBaseEjectionTime);
		Duration maxEjectionTime = keys.get("max-ejection-time", Health::getMaxEjectionTime);
		int maxEjectionPercent = keys.get("max-ejection-percent", Health::getMaxEjectionPercent);
		int panicThresholdPercent = keys.get("panic-threshold-percent", Health::getPanicThresholdPercent);
		Duration slowStart = keys.get("slow-start", Health::getSlowStart);
		int slowStartMinWeightPercent = keys.get("slow-start-min-weight-percent", Health::getSlowStartMinWeightPercent);
		String health = keys.prefix();
		check(consecutiveFailures >= 0, health + "consecutive-failures", "must not be negative", consecutiveFailures);
		check(isPositive(baseEjectionTime), health + "base-ejection-time", "must be positive", baseEjectionTime);
		check(maxEjectionTime.compareTo(baseEjectionTime) >= 0, health + "max-ejection-time",
				"must not be shorter than " + health + "base-ejection-time (" + baseEjectionTime + ")", maxEjectionTime);
		checkPercent(health + "max-ejection-percent", maxEjectionPercent, 0);
		checkPercent(health + "panic-threshold-percent", panicThresholdPercent, 0);
		check(!slowStart.isNegative(), health + "slow-start", "must not be negative", slowStart);
		checkPercent(health + "slow-start-min-weight-percent", slowStartMinWeightPercent, 1);
		return new PassiveHealthPolicy(consecutiveFailures, baseEjectionTime, maxEjectionTime,
				maxEjectionPercent / 100.0, panicThresholdPercent / 100.0, slowStart, slowStartMinWeightPercent / 100.0);
	}

	// A service's retries: its own keys over the defaults, each checked under the service's property name.
	private static RetryPolicy retryPolicy(String prefix, Retry defaults, Retry service) {
		Layered<Retry> keys = new Layered<>(prefix + "retry.", defaults, service);
		int maxRetries = keys.get("max-retries", Retry::getMaxRetries);
		Duration backoff = keys.get("backoff", Retry::getBackoff);
		Set<Integer> statuses = keys.get("statuses", Retry::getStatuses);
		boolean nonIdempotent = keys.get("non-idempotent", Retry::getNonIdempotent);
		check(maxRetries >= 0, keys.prefix() + "max-retries", "must not be negative", maxRetries);
		check(!backoff.isNegative(), keys.prefix() + "backoff", "must not be negative", backoff);
		checkStatuses(keys.prefix() + "statuses", statuses);
		return new RetryPolicy(maxRetries, backoff, statuses, nonIdempotent);
	}

	private static boolean isPositive(Duration duration) {
		return duration != null && !duration.isNegative() && !duration.isZero();
	}

	/**
	 * One group of keys of one service: the service's value of a key, else the default's.
	 */
	private record Layered<G>(String prefix, G defaults, G service) {

		<T> T get(String key, Function<G, T> getter) {
			T value = getter.apply(this.service);
			T resolved = (value != null) ? value : getter.apply(this.defaults);
			// Only an empty default property leaves a key unset.
			check(resolved != null, this.prefix + key, "must be set", "");
			return resolved;
		}

	}

	private static void checkStatuses(String property, Set<Integer> statuses) {
		for (Integer status : statuses) {
			check(status != null && status >= 100 && status <= 599, property, "must hold HTTP statuses (100 to 599)",
					status);
		}
	}

	private static void checkPercent(String property, int value, int min) {
		check(value >= min && value <= 100, property, "must be between " + min + " and 100", value);
	}

	private static void checkLoadFactor(String property, double value) {
		check(value == 0 || value >= 1, property, "must be 0 (no bound) or at least 1", value);
	}

	private static void check(boolean valid, String property, String rule, Object value) {
		PropertyChecks.check(valid, PREFIX + property, value, rule);
	}

}
