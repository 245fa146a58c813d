package io.distcore.lock.autoconfigure;

import java.util.Locale;
import java.util.Map;
import java.util.Optional;

import io.distcore.lock.LockBackend;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Chooses the default lock backend: the configured one, which may be any registered {@link LockBackend} by its
 * {@link LockBackend#name() name}, or the first that the environment points at, in the order redis, zookeeper,
 * jdbc, local (like {@code spring.cache.type}).
 */
final class LockBackendSelector {

	private static final Log logger = LogFactory.getLog(LockBackendSelector.class);

	private static final String PROPERTY = "distcore.lock.backend";

	private LockBackendSelector() {
	}

	/**
	 * The default backend.
	 * @param configured value of {@code distcore.lock.backend}; blank means detect
	 * @param available registered backends by name
	 * @param environment the environment that detection looks at
	 * @param beanFactory the factory whose Redis connection details detection looks at
	 * @return the name of the default backend
	 * @throws InvalidConfigurationPropertyValueException if the configured backend is not registered
	 */
	static String select(String configured, Map<String, LockBackend> available, Environment environment,
			ListableBeanFactory beanFactory) {
		Optional<String> redis = ConfiguredRedis.source(environment, beanFactory);
		if (redis.isPresent() && !available.containsKey("redis")) {
			logger.warn(redis.get() + " points at Redis, but locks cannot use it: the redis backend "
					+ requirement("redis") + " (add spring-boot-starter-data-redis, which brings the Lettuce client)");
		}
		if (StringUtils.hasText(configured)) {
			String chosen = registeredName(configured.trim(), available);
			logger.info("Distributed locks use the '" + chosen + "' backend (distcore.lock.backend)");
			return warnIfLocal(chosen);
		}
		String chosen;
		// Its nodes exist for locks alone (the backend is registered only when they are set): a clearer wish than
		// a Redis the application may have for its cache.
		if (available.containsKey("redlock")) {
			chosen = "redlock";
		}
		else if (available.containsKey("redis") && redis.isPresent()) {
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

	/** Exact match first, then ignoring case, as the built-in names bound to an enum before. */
	private static String registeredName(String configured, Map<String, LockBackend> available) {
		if (available.containsKey(configured)) {
			return configured;
		}
		for (String name : available.keySet()) {
			if (name.equalsIgnoreCase(configured)) {
				return name;
			}
		}
		String requirement = requirement(configured.toLowerCase(Locale.ROOT));
		String reason = ((requirement != null) ? "the " + configured + " backend is not available (it " + requirement + ")"
				: "no LockBackend bean is named '" + configured + "'") + "; registered lock backends: "
				+ available.keySet();
		throw new InvalidConfigurationPropertyValueException(PROPERTY, configured, reason);
	}

	private static String requirement(String backend) {
		return switch (backend) {
			case "redis" -> "needs spring-data-redis and a RedisConnectionFactory";
			case "redlock" -> "needs lettuce-core and distcore.lock.redlock.nodes";
			case "zookeeper" -> "needs curator-recipes and distcore.zookeeper.connect-string";
			case "jdbc" -> "needs spring-jdbc and a DataSource";
			default -> null;
		};
	}

}
