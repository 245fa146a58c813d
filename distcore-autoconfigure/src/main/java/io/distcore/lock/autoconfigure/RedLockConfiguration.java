package io.distcore.lock.autoconfigure;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import io.distcore.lock.redlock.RedLockBackend;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.util.StringUtils;

/**
 * Wires the RedLock lock backend when its infrastructure is present.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(RedisClient.class)
class RedLockConfiguration {

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	@Conditional(RedLockConfiguration.OnRedLockNodesCondition.class)
	RedLockBackend redLockBackend(LockProperties properties) {
		LockProperties.RedLock redlock = properties.getRedlock();
		List<RedisURI> nodes = nodes(redlock.getNodes());
		Duration nodeTimeout = redlock.getNodeTimeout();
		if (nodeTimeout == null || nodeTimeout.toNanos() <= 0) {
			throw new IllegalStateException("distcore.lock.redlock.node-timeout must be positive, was " + nodeTimeout);
		}
		Duration retryDelay = redlock.getRetryDelay();
		if (retryDelay == null || retryDelay.isNegative()) {
			throw new IllegalStateException("distcore.lock.redlock.retry-delay must not be negative, was " + retryDelay);
		}
		if (!StringUtils.hasText(redlock.getKeyPrefix())) {
			throw new IllegalStateException(
					"distcore.lock.redlock.key-prefix must not be empty, was '" + redlock.getKeyPrefix() + "'");
		}
		return new RedLockBackend(nodes, nodeTimeout, retryDelay, redlock.getKeyPrefix());
	}

	private static List<RedisURI> nodes(List<String> configured) {
		if (configured.size() < 3) {
			throw new IllegalStateException("distcore.lock.redlock.nodes needs at least 3 independent Redis servers "
					+ "(an odd number is best), got " + configured.size());
		}
		List<RedisURI> nodes = new ArrayList<>();
		for (int i = 0; i < configured.size(); i++) {
			nodes.add(node(configured.get(i), i));
		}
		return nodes;
	}

	/** The message names the entry, not its text, which may carry a password. */
	private static RedisURI node(String node, int index) {
		String invalid = "distcore.lock.redlock.nodes[" + index + "] is not a redis://host:port (or rediss://) URI";
		try {
			URI uri = new URI((node != null) ? node.trim() : "");
			if (!"redis".equals(uri.getScheme()) && !"rediss".equals(uri.getScheme()) || uri.getHost() == null) {
				throw new IllegalStateException(invalid);
			}
			return RedisURI.create(uri);
		}
		catch (URISyntaxException | IllegalArgumentException ex) {
			throw new IllegalStateException(invalid, ex);
		}
	}

	/** Matches when distcore.lock.redlock.nodes binds to a non-empty list, in indexed or comma-separated form. */
	static final class OnRedLockNodesCondition extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			List<String> nodes = Binder.get(context.getEnvironment())
				.bind("distcore.lock.redlock.nodes", Bindable.listOf(String.class))
				.orElse(List.of());
			return nodes.isEmpty() ? ConditionOutcome.noMatch("distcore.lock.redlock.nodes is not set")
					: ConditionOutcome.match("distcore.lock.redlock.nodes has " + nodes.size() + " entries");
		}

	}

}
