package io.distcore.lock.autoconfigure;

import java.util.Arrays;
import java.util.Optional;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Whether the application points at a Redis server: a {@code spring.data.redis.*} property in any spelling
 * (properties, YAML, environment variables), or connection details that Boot did not derive from those properties
 * ({@code @ServiceConnection}, Docker Compose support). Boot always defines connection details from the properties,
 * with localhost as default, so their mere presence says nothing.
 */
final class ConfiguredRedis {

	private static final ConfigurationPropertyName PREFIX = ConfigurationPropertyName.of("spring.data.redis");

	private static final String CONNECTION_DETAILS = "org.springframework.boot.data.redis.autoconfigure.DataRedisConnectionDetails";

	private static final String FROM_PROPERTIES = "org.springframework.boot.data.redis.autoconfigure.PropertiesDataRedisConnectionDetails";

	private ConfiguredRedis() {
	}

	/**
	 * What points at Redis.
	 * @param environment the environment to look in
	 * @param beanFactory the factory that may hold connection details
	 * @return the first {@code spring.data.redis.*} property that is set, or the name of a connection details bean
	 * not derived from the properties, or empty if nothing points at Redis
	 */
	static Optional<String> source(Environment environment, ListableBeanFactory beanFactory) {
		Optional<String> property = firstProperty(environment);
		return property.isPresent() ? property : connectionDetails(beanFactory);
	}

	private static Optional<String> firstProperty(Environment environment) {
		for (ConfigurationPropertySource source : ConfigurationPropertySources.get(environment)) {
			if (source instanceof IterableConfigurationPropertySource iterable) {
				Optional<ConfigurationPropertyName> name = iterable.stream().filter(PREFIX::isAncestorOf).findFirst();
				if (name.isPresent()) {
					return name.map(ConfigurationPropertyName::toString);
				}
			}
		}
		return Optional.empty();
	}

	private static Optional<String> connectionDetails(ListableBeanFactory beanFactory) {
		ClassLoader classLoader = ConfiguredRedis.class.getClassLoader();
		if (beanFactory == null || !ClassUtils.isPresent(CONNECTION_DETAILS, classLoader)) {
			return Optional.empty();
		}
		Class<?> type = ClassUtils.resolveClassName(CONNECTION_DETAILS, classLoader);
		return Arrays.stream(beanFactory.getBeanNamesForType(type, true, false)).filter((name) -> {
			Class<?> beanType = beanFactory.getType(name, false);
			return beanType == null || !beanType.getName().equals(FROM_PROPERTIES);
		}).findFirst().map((name) -> "the RedisConnectionDetails bean '" + name + "'");
	}

}
