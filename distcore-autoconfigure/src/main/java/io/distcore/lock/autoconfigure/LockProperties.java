package io.distcore.lock.autoconfigure;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.distcore.support.InitializeSchema;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.core.Ordered;

/**
 * Distributed lock settings.
 */
@ConfigurationProperties("distcore.lock")
public class LockProperties {

	/**
	 * Whether distributed locks are enabled. When false there is no lock bean at all: no registry, no backend,
	 * no @DistributedLock advice, no health indicator or endpoint.
	 */
	private boolean enabled = true;

	/**
	 * Backend that keeps locks unless an annotation names another: local, redis, redlock, zookeeper, jdbc, or the
	 * name of an application's own LockBackend bean. Detected when unset: redis if a Redis connection is
	 * configured (spring.data.redis.host, url, port, sentinel or cluster), else zookeeper if
	 * distcore.zookeeper.connect-string is set, else jdbc if there is a DataSource, else local.
	 */
	private String backend;

	/**
	 * Lease of holds taken without an explicit lease; the watchdog renews them every third of it while the
	 * holder lives.
	 */
	private Duration leaseTime = Duration.ofSeconds(30);

	/**
	 * How long @DistributedLock waits for a lock when the annotation does not say.
	 */
	private Duration waitTime = Duration.ofSeconds(3);

	/**
	 * Order of the @DistributedLock advice. The default runs it outside @Transactional (whose order is
	 * Ordered.LOWEST_PRECEDENCE), so the lock is released after the transaction committed.
	 */
	private int aspectOrder = Ordered.LOWEST_PRECEDENCE - 100;

	private final Redis redis = new Redis();

	private final RedLock redlock = new RedLock();

	private final ZooKeeper zookeeper = new ZooKeeper();

	private final Jdbc jdbc = new Jdbc();

	private final Web web = new Web();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public String getBackend() {
		return this.backend;
	}

	public void setBackend(String backend) {
		this.backend = backend;
	}

	public Duration getLeaseTime() {
		return this.leaseTime;
	}

	public void setLeaseTime(Duration leaseTime) {
		this.leaseTime = leaseTime;
	}

	public Duration getWaitTime() {
		return this.waitTime;
	}

	public void setWaitTime(Duration waitTime) {
		this.waitTime = waitTime;
	}

	public int getAspectOrder() {
		return this.aspectOrder;
	}

	public void setAspectOrder(int aspectOrder) {
		this.aspectOrder = aspectOrder;
	}

	public Redis getRedis() {
		return this.redis;
	}

	public RedLock getRedlock() {
		return this.redlock;
	}

	public ZooKeeper getZookeeper() {
		return this.zookeeper;
	}

	public Jdbc getJdbc() {
		return this.jdbc;
	}

	public Web getWeb() {
		return this.web;
	}

	/**
	 * Redis backend settings.
	 */
	public static class Redis {

		/**
		 * Prefix of every key the Redis backend writes; the lock name follows it.
		 */
		private String keyPrefix = "distcore:lock:";

		public String getKeyPrefix() {
			return this.keyPrefix;
		}

		public void setKeyPrefix(String keyPrefix) {
			this.keyPrefix = keyPrefix;
		}

	}

	/**
	 * RedLock backend settings.
	 */
	public static class RedLock {

		/**
		 * Independent Redis servers as redis://host:port URIs; at least 3, an odd number is best. A lock needs
		 * a majority of them.
		 */
		private List<String> nodes = new ArrayList<>();

		/**
		 * Longest time one node may take to answer one command; far below the lease so that a dead node
		 * costs little.
		 */
		private Duration nodeTimeout = Duration.ofMillis(50);

		/**
		 * Upper bound of the random delay before retrying a failed majority.
		 */
		private Duration retryDelay = Duration.ofMillis(200);

		/**
		 * Prefix of every key the RedLock backend writes on each node.
		 */
		private String keyPrefix = "distcore:redlock:";

		public List<String> getNodes() {
			return this.nodes;
		}

		public void setNodes(List<String> nodes) {
			this.nodes = nodes;
		}

		public Duration getNodeTimeout() {
			return this.nodeTimeout;
		}

		public void setNodeTimeout(Duration nodeTimeout) {
			this.nodeTimeout = nodeTimeout;
		}

		public Duration getRetryDelay() {
			return this.retryDelay;
		}

		public void setRetryDelay(Duration retryDelay) {
			this.retryDelay = retryDelay;
		}

		public String getKeyPrefix() {
			return this.keyPrefix;
		}

		public void setKeyPrefix(String keyPrefix) {
			this.keyPrefix = keyPrefix;
		}

	}

	/**
	 * ZooKeeper backend settings; the connection itself is configured under distcore.zookeeper.
	 */
	public static class ZooKeeper {

		/**
		 * Parent path of the lock nodes, one child per lock name.
		 */
		private String path = "/distcore/locks";

		public String getPath() {
			return this.path;
		}

		public void setPath(String path) {
			this.path = path;
		}

	}

	/**
	 * Database backend settings.
	 */
	public static class Jdbc {

		/**
		 * Table that keeps one row per lock name.
		 */
		private String tableName = "distcore_lock";

		/**
		 * When the backend creates its table if it is missing: always, embedded (only on embedded databases such
		 * as H2) or never. The first lock creates it, never the startup; without it the first lock fails naming
		 * the table and the DDL to create it (schema-*.sql in io/distcore/lock/jdbc).
		 */
		private InitializeSchema initializeSchema = InitializeSchema.EMBEDDED;

		/**
		 * First delay between two attempts while waiting for a held lock; doubles up to poll-max-interval,
		 * with jitter.
		 */
		private Duration pollMinInterval = Duration.ofMillis(10);

		/**
		 * Longest delay between two attempts while waiting for a held lock.
		 */
		private Duration pollMaxInterval = Duration.ofMillis(200);

		/**
		 * Longest time one lock statement may run before the backend reports the database unavailable; at least
		 * 1s, in whole seconds as JDBC counts them. Connecting is bounded by the DataSource's own timeout.
		 */
		private Duration queryTimeout = Duration.ofSeconds(5);

		/**
		 * Time between two purges of the rows of locks whose lease ended more than purge-retention ago; keeps a
		 * table of one lock per entity (per order id, say) from growing forever. Zero turns purging off.
		 */
		private Duration purgeInterval = Duration.ofMinutes(10);

		/**
		 * How long the row of a released or expired lock stays before a purge deletes it.
		 */
		private Duration purgeRetention = Duration.ofHours(1);

		/**
		 * Most rows one purge statement deletes; a purge runs statements until no row is left to delete.
		 */
		private int purgeBatchSize = 500;

		public String getTableName() {
			return this.tableName;
		}

		public void setTableName(String tableName) {
			this.tableName = tableName;
		}

		public InitializeSchema getInitializeSchema() {
			return this.initializeSchema;
		}

		public void setInitializeSchema(InitializeSchema initializeSchema) {
			this.initializeSchema = initializeSchema;
		}

		public Duration getPollMinInterval() {
			return this.pollMinInterval;
		}

		public void setPollMinInterval(Duration pollMinInterval) {
			this.pollMinInterval = pollMinInterval;
		}

		public Duration getPollMaxInterval() {
			return this.pollMaxInterval;
		}

		public void setPollMaxInterval(Duration pollMaxInterval) {
			this.pollMaxInterval = pollMaxInterval;
		}

		public Duration getQueryTimeout() {
			return this.queryTimeout;
		}

		public void setQueryTimeout(Duration queryTimeout) {
			this.queryTimeout = queryTimeout;
		}

		public Duration getPurgeInterval() {
			return this.purgeInterval;
		}

		public void setPurgeInterval(Duration purgeInterval) {
			this.purgeInterval = purgeInterval;
		}

		public Duration getPurgeRetention() {
			return this.purgeRetention;
		}

		public void setPurgeRetention(Duration purgeRetention) {
			this.purgeRetention = purgeRetention;
		}

		public int getPurgeBatchSize() {
			return this.purgeBatchSize;
		}

		public void setPurgeBatchSize(int purgeBatchSize) {
			this.purgeBatchSize = purgeBatchSize;
		}

	}

	/**
	 * Web request settings.
	 */
	public static class Web {

		private final ProblemDetails problemDetails = new ProblemDetails();

		public ProblemDetails getProblemDetails() {
			return this.problemDetails;
		}

		/**
		 * Problem details for lock failures in Spring MVC requests.
		 */
		public static class ProblemDetails {

			/**
			 * Whether a lock wait that runs out answers 409 and a lock backend that is down 503, as
			 * application/problem+json, where no @ExceptionHandler of the application answers them.
			 */
			private boolean enabled = true;

			public boolean isEnabled() {
				return this.enabled;
			}

			public void setEnabled(boolean enabled) {
				this.enabled = enabled;
			}

		}

	}

}
