package io.distcore.lock.autoconfigure;

import java.util.Locale;

import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Masks the passwords inside {@code distcore.lock.redlock.nodes} in {@code /actuator/configprops} and
 * {@code /actuator/env}. Boot masks every value by default but shows them all once {@code show-values} is
 * {@code always}; the passwords stay masked then too, while hosts and ports stay readable.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(name = "org.springframework.boot.actuate.endpoint.SanitizingFunction")
class RedLockSanitizingConfiguration {

	/** Every form of the key: the list, its indexed entries, and the environment-variable spelling. */
	private static final String NODES_KEY = "distcorelockredlocknodes";

	@Bean
	@ConditionalOnMissingBean(name = "distcoreRedLockNodesSanitizer")
	SanitizingFunction distcoreRedLockNodesSanitizer() {
		return SanitizingFunction.of((data) -> data.withValue(RedLockNodeUris.mask(data.getValue())))
			.ifMatches((data) -> isNodesKey(data.getKey()));
	}

	private static boolean isNodesKey(String key) {
		return key != null && key.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "").startsWith(NODES_KEY);
	}

}
