package io.distcore.lock.autoconfigure;

import java.util.Map;

import io.distcore.lock.LockBackend;
import io.distcore.lock.autoconfigure.LockProperties.Backend;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.core.env.Environment;

/**
 * Chooses the default lock backend: the configured one, or the first that the environment points at, in the
 * order redis, zookeeper, jdbc, local (like {@code spring.cache.type}).
 */
final class LockBackendSelector {

	private static final Log logger = LogFactory.getLog(LockBackendSelector.class);

	private static final String[] REDIS_PROPERTIES = { "spring.data.redis.host", "spring.data.redis.url",
			"spring.data.redis.port", "spring.data.redis.sentinel.master", "spring.data.redis.cluster.nodes" };

	private LockBackendSelector() {
	}

	static String select(Backend configured, Map<String, LockBackend> available, Environment environment) {
		if (configured != null) {
			if (!available.containsKey(configured.id())) {
				throw new IllegalStateException("distcore.lock.backend=" + configured.id() + " but that backend is not "
						+ "available (" + requirement(configured) + "); available backends: " + available.keySet());
			}
			logger.info("Distributed locks use the '" + configured.id() + "' backend (distcore.lock.backend)");
			return warnIfLocal(configured.id());
		}
		String chosen;
		if (available.containsKey("redis") && anySet(environment, REDIS_PROPERTIES)) {
			chosen = "redis";
		}
		else if (available.containsKey("zookeeper") && environment.containsProperty("distcore.zookeeper.connect-string")) {
			chosen = "zookeeper";
		}
		else if (available.containsKey("jdbc")) {
			chosen = "jdbc";
		}
		else {
			chosen = "local";
		}
		logger.info("Distributed locks use the '" + chosen + "' backend (detected; set distcore.lock.backend to choose)");
		return warnIfLocal(chosen);
	}

	private static String warnIfLocal(String backend) {
		if ("local".equals(backend)) {
			logger.warn("The 'local' lock backend excludes threads of this process only: locks do not protect "
					+ "anything across processes. Configure Redis, ZooKeeper or a DataSource for distributed locks.");
		}
		return backend;
	}

	private static boolean anySet(Environment environment, String[] names) {
		for (String name : names) {
			if (environment.containsProperty(name)) {
				return true;
			}
		}
		return false;
	}

	private static String requirement(Backend backend) {
		return switch (backend) {
			case LOCAL -> "always available";
			case REDIS -> "needs spring-data-redis and a RedisConnectionFactory";
			case REDLOCK -> "needs lettuce-core and distcore.lock.redlock.nodes";
			case ZOOKEEPER -> "needs curator-recipes and distcore.zookeeper.connect-string";
			case JDBC -> "needs spring-jdbc and a DataSource";
		};
	}

}
