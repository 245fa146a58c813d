package io.distcore.lock.autoconfigure;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

import io.distcore.lock.redlock.RedLockBackend;
import io.distcore.support.PropertyChecks;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

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

/**
 * Wires the RedLock lock backend when its infrastructure is present.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(RedisClient.class)
class RedLockConfiguration {

	private static final Log logger = LogFactory.getLog(RedLockConfiguration.class);

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	@Conditional(RedLockConfiguration.OnRedLockNodesCondition.class)
	RedLockBackend redLockBackend(LockProperties properties) {
		LockProperties.RedLock redlock = properties.getRedlock();
		List<RedisURI> nodes = nodes(redlock.getNodes());
		Duration nodeTimeout = redlock.getNodeTimeout();
		PropertyChecks.positive("distcore.lock.redlock.node-timeout", nodeTimeout);
		Duration retryDelay = redlock.getRetryDelay();
		PropertyChecks.notNegative("distcore.lock.redlock.retry-delay", retryDelay);
		PropertyChecks.notEmpty("distcore.lock.redlock.key-prefix", redlock.getKeyPrefix());
		RedLockBackend backend = new RedLockBackend(nodes, nodeTimeout, retryDelay, redlock.getKeyPrefix());
		warnIfUnreachable(backend.unreachableNodes(), nodes.size());
		return backend;
	}

	/**
	 * Startup goes on: the nodes may come up later, and the locks health indicator reports the state meanwhile.
	 * Nodes are named by host and port only; even a masked password would show its length.
	 */
	private static void warnIfUnreachable(List<RedisURI> unreachable, int nodes) {
		if (unreachable.isEmpty()) {
			return;
		}
		int answered = nodes - unreachable.size();
		int quorum = nodes / 2 + 1;
		String addresses = unreachable.stream()
			.map((node) -> node.getHost() + ":" + node.getPort())
			.collect(Collectors.joining(", "));
		logger.warn(answered + " of " + nodes + " distcore.lock.redlock.nodes answered at startup (not answering: "
				+ addresses + "); " + ((answered >= quorum) ? "locks work while a majority of " + quorum + " answers"
						: "locks fail with RedLockQuorumException until a majority of " + quorum + " answers")
				+ ", and the 'locks' health indicator shows the state");
	}

	private static List<RedisURI> nodes(List<String> configured) {
		PropertyChecks.check(configured.size() >= 3, "distcore.lock.redlock.nodes", configured.size() + " node(s)",
				"needs at least 3 independent Redis servers (an odd number is best)");
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
		// Neither exception is chained: their messages quote the text, password included.
		catch (URISyntaxException ex) {
			throw new IllegalStateException(invalid + " (" + ex.getReason() + " at index " + ex.getIndex() + ")");
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException(invalid + " (" + RedLockNodeUris.mask(ex.getMessage()) + ")");
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
