package io.distcore.lock.autoconfigure;

import java.util.Optional;

import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.context.properties.source.ConfigurationPropertySource;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.boot.context.properties.source.IterableConfigurationPropertySource;
import org.springframework.core.env.Environment;

/**
 * Finds a {@code spring.data.redis.*} property in any of its spellings (properties, YAML, environment variables),
 * so that every key counts, not a list of the usual ones.
 */
final class RedisPropertiesInEnvironment {

	private static final ConfigurationPropertyName PREFIX = ConfigurationPropertyName.of("spring.data.redis");

	private RedisPropertiesInEnvironment() {
	}

	/**
	 * The first {@code spring.data.redis.*} property that is set.
	 * @param environment the environment to look in
	 * @return its name in canonical form, or empty if none is set
	 */
	static Optional<String> first(Environment environment) {
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

}
