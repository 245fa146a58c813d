package io.distcore.loadbalancer.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import io.distcore.loadbalancer.strategy.ConsistentHashStrategy.Hash;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Client-side load balancer settings: defaults at the top, then {@code services.<name>.*}, where every key left
 * unset (strategy, virtual-nodes, hash, bounded-load-factor, failure-statuses, each health and retry key) takes the
 * default's value, as Spring Cloud LoadBalancer's {@code clients.<name>} do.
 */
@ConfigurationProperties("distcore.loadbalancer")
public class LoadBalancerProperties {

	/**
	 * Whether the client-side load balancer is enabled. When false there is no load balancer bean at all: HTTP
	 * clients annotated @LoadBalanced are left as they are, nothing is discovered or registered in ZooKeeper.
	 */
	private boolean enabled = true;

	/**
	 * Strategy of services that do not set one.
	 */
	private Strategy strategy = Strategy.ROUND_ROBIN;

	/**
	 * Request header carrying the consistent-hash key; requests without it (and without the
	 * explicit key attribute) hash the address of the client being served, if any.
	 */
	private String hashHeader = "X-Hash-Key";

	/**
	 * Ring points per unit of weight for consistent-hash.
	 */
	private int virtualNodes = 160;

	/**
	 * How consistent-hash names ring points and hashes keys: murmur3 (distcore's ring, fastest) or
	 * ketama (libketama's ring exactly, for keys that must land where libketama clients put them).
	 */
	private Hash hash = Hash.MURMUR3;

	/**
	 * Bound on an instance's in-flight requests as a multiple of the average, for consistent-hash
	 * (1.25 to 2 is usual); 0 for no bound.
	 */
	private double boundedLoadFactor = 0;

	/**
	 * Response statuses that count as failures of an instance for passive health.
	 */
	private Set<Integer> failureStatuses = new LinkedHashSet<>(List.of(500, 502, 503, 504));

	/**
	 * Passive health checking of services that do not override it.
	 */
	private final Health health = new Health();

	/**
	 * Retries of services that do not override them.
	 */
	private final Retry retry = new Retry();

	/**
	 * Service registration and discovery in ZooKeeper.
	 */
	private final ZooKeeper zookeeper = new ZooKeeper();

	/**
	 * Load-balanced services by name, the host of their URLs (http://<name>/...).
	 */
	private Map<String, Service> services = new LinkedHashMap<>();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Strategy getStrategy() {
		return this.strategy;
	}

	public void setStrategy(Strategy strategy) {
		this.strategy = strategy;
	}

	public String getHashHeader() {
		return this.hashHeader;
	}

	public void setHashHeader(String hashHeader) {
		this.hashHeader = hashHeader;
	}

	public int getVirtualNodes() {
		return this.virtualNodes;
	}

	public void setVirtualNodes(int virtualNodes) {
		this.virtualNodes = virtualNodes;
	}

	public Hash getHash() {
		return this.hash;
	}

	public void setHash(Hash hash) {
		this.hash = hash;
	}

	public double getBoundedLoadFactor() {
		return this.boundedLoadFactor;
	}

	public void setBoundedLoadFactor(double boundedLoadFactor) {
		this.boundedLoadFactor = boundedLoadFactor;
	}

	public Set<Integer> getFailureStatuses() {
		return this.failureStatuses;
	}

	public void setFailureStatuses(Set<Integer> failureStatuses) {
		this.failureStatuses = failureStatuses;
	}

	public Health getHealth() {
		return this.health;
	}

	public Retry getRetry() {
		return this.retry;
	}

	public ZooKeeper getZookeeper() {
		return this.zookeeper;
	}

	public Map<String, Service> getServices() {
		return this.services;
	}

	public void setServices(Map<String, Service> services) {
		this.services = services;
	}

	/**
	 * How a service's instances share its requests.
	 */
	public enum Strategy {

		/**
		 * Instances in turn, ignoring weights.
		 */
		ROUND_ROBIN,

		/**
		 * Nginx's smooth weighted round robin.
		 */
		WEIGHTED_ROUND_ROBIN,

		/**
		 * Random, proportional to weight (alias method).
		 */
		WEIGHTED_RANDOM,

		/**
		 * Ketama ring over a per-request key, optionally with bounded loads.
		 */
		CONSISTENT_HASH,

		/**
		 * Fewest in-flight requests relative to weight; power of two choices on large lists.
		 */
		LEAST_CONNECTIONS

	}

	/**
	 * Where a service's instances come from.
	 */
	public enum Discovery {

		/**
		 * The instances and urls properties.
		 */
		CONFIGURATION,

		/**
		 * Instances registered in ZooKeeper, watched for joins and leaves.
		 */
		ZOOKEEPER

	}

	/**
	 * Passive health checking.
	 */
	public static class Health {

		/**
		 * Failures in a row (connect error, timeout or a failure status) that eject an instance; 0
		 * disables ejection.
		 */
		private Integer consecutiveFailures = 5;

		/**
		 * Ejection time of a first ejection; the n-th ejection of an instance lasts n times as long.
		 */
		private Duration baseEjectionTime = Duration.ofSeconds(30);

		/**
		 * Longest ejection.
		 */
		private Duration maxEjectionTime = Duration.ofMinutes(5);

		/**
		 * Largest share of a service's instances ejected at once, in percent.
		 */
		private Integer maxEjectionPercent = 50;

		/**
		 * Share of healthy instances, in percent, below which health is ignored and every instance is
		 * used (panic mode).
		 */
		private Integer panicThresholdPercent = 50;

		/**
		 * Warm-up window of an instance that joins a running service or returns from ejection: its
		 * weight grows linearly over it. Zero disables slow start.
		 */
		private Duration slowStart = Duration.ZERO;

		/**
		 * Share of its weight, in percent, an instance gets at the start of its warm-up.
		 */
		private Integer slowStartMinWeightPercent = 10;

		public Integer getConsecutiveFailures() {
			return this.consecutiveFailures;
		}

		public void setConsecutiveFailures(Integer consecutiveFailures) {
			this.consecutiveFailures = consecutiveFailures;
		}

		public Duration getBaseEjectionTime() {
			return this.baseEjectionTime;
		}

		public void setBaseEjectionTime(Duration baseEjectionTime) {
			this.baseEjectionTime = baseEjectionTime;
		}

		public Duration getMaxEjectionTime() {
			return this.maxEjectionTime;
		}

		public void setMaxEjectionTime(Duration maxEjectionTime) {
			this.maxEjectionTime = maxEjectionTime;
		}

		public Integer getMaxEjectionPercent() {
			return this.maxEjectionPercent;
		}

		public void setMaxEjectionPercent(Integer maxEjectionPercent) {
			this.maxEjectionPercent = maxEjectionPercent;
		}

		public Integer getPanicThresholdPercent() {
			return this.panicThresholdPercent;
		}

		public void setPanicThresholdPercent(Integer panicThresholdPercent) {
			this.panicThresholdPercent = panicThresholdPercent;
		}

		public Duration getSlowStart() {
			return this.slowStart;
		}

		public void setSlowStart(Duration slowStart) {
			this.slowStart = slowStart;
		}

		public Integer getSlowStartMinWeightPercent() {
			return this.slowStartMinWeightPercent;
		}

		public void setSlowStartMinWeightPercent(Integer slowStartMinWeightPercent) {
			this.slowStartMinWeightPercent = slowStartMinWeightPercent;
		}

		/**
		 * A service's health before binding: every key unset, so each takes the default's value.
		 */
		static Health unset() {
			Health health = new Health();
			health.consecutiveFailures = null;
			health.baseEjectionTime = null;
			health.maxEjectionTime = null;
			health.maxEjectionPercent = null;
			health.panicThresholdPercent = null;
			health.slowStart = null;
			health.slowStartMinWeightPercent = null;
			return health;
		}

	}

	/**
	 * Retries on another instance.
	 */
	public static class Retry {

		/**
		 * Retries after the first attempt, each on an instance the request has not tried; 0 disables
		 * retries.
		 */
		private Integer maxRetries = 1;

		/**
		 * Pause before the first retry, doubled before each further one.
		 */
		private Duration backoff = Duration.ofMillis(10);

		/**
		 * Response statuses that are retried.
		 */
		private Set<Integer> statuses = new LinkedHashSet<>(List.of(502, 503, 504));

		/**
		 * Whether POST and PATCH requests that may have reached an instance are retried too.
		 * Requests that could not connect are always retried.
		 */
		private Boolean nonIdempotent = false;

		public Integer getMaxRetries() {
			return this.maxRetries;
		}

		public void setMaxRetries(Integer maxRetries) {
			this.maxRetries = maxRetries;
		}

		public Duration getBackoff() {
			return this.backoff;
		}

		public void setBackoff(Duration backoff) {
			this.backoff = backoff;
		}

		public Set<Integer> getStatuses() {
			return this.statuses;
		}

		public void setStatuses(Set<Integer> statuses) {
			this.statuses = statuses;
		}

		public Boolean getNonIdempotent() {
			return this.nonIdempotent;
		}

		public void setNonIdempotent(Boolean nonIdempotent) {
			this.nonIdempotent = nonIdempotent;
		}

		/**
		 * A service's retries before binding: every key unset, so each takes the default's value.
		 */
		static Retry unset() {
			Retry retry = new Retry();
			retry.maxRetries = null;
			retry.backoff = null;
			retry.statuses = null;
			retry.nonIdempotent = null;
			return retry;
		}

	}

	/**
	 * Service registration and discovery in ZooKeeper.
	 */
	public static class ZooKeeper {

		/**
		 * ZooKeeper path under which each service has a node holding one child per instance.
		 */
		private String basePath = "/distcore/services";

		/**
		 * Registration of this application as an instance of a service.
		 */
		private final Registration registration = new Registration();

		public String getBasePath() {
			return this.basePath;
		}

		public void setBasePath(String basePath) {
			this.basePath = basePath;
		}

		public Registration getRegistration() {
			return this.registration;
		}

		/**
		 * Registration of this application.
		 */
		public static class Registration {

			/**
			 * Whether this application registers itself as an instance (an ephemeral node that disappears
			 * with its ZooKeeper session).
			 */
			private boolean enabled = false;

			/**
			 * Service this application is an instance of; spring.application.name when unset.
			 */
			private String serviceName;

			/**
			 * Base URL other services reach this instance at; http://<local address>:<server port> when unset.
			 */
			private String url;

			/**
			 * Weight of this instance.
			 */
			private int weight = 1;

			public boolean isEnabled() {
				return this.enabled;
			}

			public void setEnabled(boolean enabled) {
				this.enabled = enabled;
			}

			public String getServiceName() {
				return this.serviceName;
			}

			public void setServiceName(String serviceName) {
				this.serviceName = serviceName;
			}

			public String getUrl() {
				return this.url;
			}

			public void setUrl(String url) {
				this.url = url;
			}

			public int getWeight() {
				return this.weight;
			}

			public void setWeight(int weight) {
				this.weight = weight;
			}

		}

	}

	/**
	 * One load-balanced service.
	 */
	public static class Service {

		/**
		 * Strategy of this service; distcore.loadbalancer.strategy when unset.
		 */
		private Strategy strategy;

		/**
		 * Instances with their weights.
		 */
		private List<Instance> instances = new ArrayList<>();

		/**
		 * Instances of weight 1 as a comma-separated list of base URLs, added to instances (handy
		 * for an environment variable).
		 */
		private List<String> urls = new ArrayList<>();

		/**
		 * Where the instances come from.
		 */
		private Discovery discovery = Discovery.CONFIGURATION;

		/**
		 * Ring points per unit of weight for consistent-hash; distcore.loadbalancer.virtual-nodes when
		 * unset. Not with hash ketama, whose ring has its own count.
		 */
		private Integer virtualNodes;

		/**
		 * Ring of consistent-hash: murmur3 or ketama; distcore.loadbalancer.hash when unset.
		 */
		private Hash hash;

		/**
		 * Bounded-load factor for consistent-hash; distcore.loadbalancer.bounded-load-factor when unset.
		 */
		private Double boundedLoadFactor;

		/**
		 * Response statuses that count as failures of an instance of this service;
		 * distcore.loadbalancer.failure-statuses when unset.
		 */
		private Set<Integer> failureStatuses;

		/**
		 * Passive health checking of this service: each key unset takes its value from
		 * distcore.loadbalancer.health.
		 */
		private final Health health = Health.unset();

		/**
		 * Retries of this service: each key unset takes its value from distcore.loadbalancer.retry.
		 */
		private final Retry retry = Retry.unset();

		public Strategy getStrategy() {
			return this.strategy;
		}

		public void setStrategy(Strategy strategy) {
			this.strategy = strategy;
		}

		public List<Instance> getInstances() {
			return this.instances;
		}

		public void setInstances(List<Instance> instances) {
			this.instances = instances;
		}

		public List<String> getUrls() {
			return this.urls;
		}

		public void setUrls(List<String> urls) {
			this.urls = urls;
		}

		public Discovery getDiscovery() {
			return this.discovery;
		}

		public void setDiscovery(Discovery discovery) {
			this.discovery = discovery;
		}

		public Integer getVirtualNodes() {
			return this.virtualNodes;
		}

		public void setVirtualNodes(Integer virtualNodes) {
			this.virtualNodes = virtualNodes;
		}

		public Hash getHash() {
			return this.hash;
		}

		public void setHash(Hash hash) {
			this.hash = hash;
		}

		public Double getBoundedLoadFactor() {
			return this.boundedLoadFactor;
		}

		public void setBoundedLoadFactor(Double boundedLoadFactor) {
			this.boundedLoadFactor = boundedLoadFactor;
		}

		public Set<Integer> getFailureStatuses() {
			return this.failureStatuses;
		}

		public void setFailureStatuses(Set<Integer> failureStatuses) {
			this.failureStatuses = failureStatuses;
		}

		public Health getHealth() {
			return this.health;
		}

		public Retry getRetry() {
			return this.retry;
		}

	}

	/**
	 * One statically configured instance.
	 */
	public static class Instance {

		/**
		 * Base URL of the instance: scheme, host, port and an optional path prefix.
		 */
		private String url;

		/**
		 * Weight of the instance, at least 1.
		 */
		private int weight = 1;

		public String getUrl() {
			return this.url;
		}

		public void setUrl(String url) {
			this.url = url;
		}

		public int getWeight() {
			return this.weight;
		}

		public void setWeight(int weight) {
			this.weight = weight;
		}

	}

}
