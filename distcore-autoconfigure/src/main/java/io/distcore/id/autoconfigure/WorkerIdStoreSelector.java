package io.distcore.id.autoconfigure;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

import io.distcore.support.PropertyChecks;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Finds the backend worker ids are leased from: Redis when a RedisConnectionFactory exists and
 * {@code spring.data.redis.*} points somewhere (as the lock backend selection does: Boot always creates a
 * factory for localhost once spring-data-redis is present), else ZooKeeper when a CuratorFramework exists, else
 * the database when a DataSource exists. Only names classes as strings, so it runs without any of them.
 */
final class WorkerIdStoreSelector {

	static final String PROPERTY = "distcore.id.snowflake.lease.backend";

	static final List<String> BACKENDS = List.of("redis", "zookeeper", "jdbc");

	private static final String REDIS_CONNECTION_FACTORY = "org.springframework.data.redis.connection.RedisConnectionFactory";

	private static final String CURATOR_FRAMEWORK = "org.apache.curator.framework.CuratorFramework";

	private static final String DATA_SOURCE = "javax.sql.DataSource";

	private static final String JDBC_TEMPLATE = "org.springframework.jdbc.core.JdbcTemplate";

	private static final String EMBEDDED_DATABASE_CONNECTION = "org.springframework.boot.jdbc.EmbeddedDatabaseConnection";

	private static final String[] REDIS_PROPERTIES = { "spring.data.redis.host", "spring.data.redis.url",
			"spring.data.redis.port", "spring.data.redis.sentinel.master", "spring.data.redis.cluster.nodes" };

	private WorkerIdStoreSelector() {
	}

	/**
	 * The configured backend (validated: known name, infrastructure present), or the detected one.
	 * @return the backend, empty when none is configured and none detected
	 * @throws org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException naming
	 * {@value #PROPERTY} when the configured backend is unknown or missing
	 */
	static Optional<String> select(String configured, ConfigurableListableBeanFactory beanFactory,
			Environment environment, ClassLoader classLoader) {
		if (configured != null && !configured.isBlank()) {
			String backend = configured.trim().toLowerCase(Locale.ROOT);
			if (!BACKENDS.contains(backend)) {
				throw PropertyChecks.invalid(PROPERTY, configured, "must be one of " + String.join(", ", BACKENDS));
			}
			if (!isAvailable(backend, beanFactory, classLoader)) {
				throw PropertyChecks.invalid(PROPERTY, configured, "that backend is not available: " + requirement(backend));
			}
			return Optional.of(backend);
		}
		if (isAvailable("redis", beanFactory, classLoader) && anySet(environment)) {
			return Optional.of("redis");
		}
		if (isAvailable("zookeeper", beanFactory, classLoader)) {
			return Optional.of("zookeeper");
		}
		if (isAvailable("jdbc", beanFactory, classLoader)) {
			return Optional.of("jdbc");
		}
		return Optional.empty();
	}

	private static String requirement(String backend) {
		return switch (backend) {
			case "redis" -> "it needs spring-data-redis and a RedisConnectionFactory bean";
			case "zookeeper" -> "it needs curator-framework and a CuratorFramework bean (set distcore.zookeeper.connect-string)";
			default -> "it needs spring-jdbc and a DataSource bean";
		};
	}

	private static boolean isAvailable(String backend, ConfigurableListableBeanFactory beanFactory,
			ClassLoader classLoader) {
		return switch (backend) {
			case "redis" -> hasBean(REDIS_CONNECTION_FACTORY, beanFactory, classLoader);
			case "zookeeper" -> hasBean(CURATOR_FRAMEWORK, beanFactory, classLoader);
			default -> ClassUtils.isPresent(JDBC_TEMPLATE, classLoader)
					&& ClassUtils.isPresent(EMBEDDED_DATABASE_CONNECTION, classLoader)
					&& hasBean(DATA_SOURCE, beanFactory, classLoader);
		};
	}

	private static boolean hasBean(String type, ConfigurableListableBeanFactory beanFactory, ClassLoader classLoader) {
		if (!ClassUtils.isPresent(type, classLoader)) {
			return false;
		}
		return beanFactory.getBeanNamesForType(ClassUtils.resolveClassName(type, classLoader), true, false).length > 0;
	}

	private static boolean anySet(Environment environment) {
		for (String name : REDIS_PROPERTIES) {
			if (environment.containsProperty(name)) {
				return true;
			}
		}
		return false;
	}

}
