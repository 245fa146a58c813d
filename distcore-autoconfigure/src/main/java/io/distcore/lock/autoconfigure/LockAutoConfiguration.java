package io.distcore.lock.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.autoconfigure.ZooKeeperAutoConfiguration;
import io.distcore.lock.LockBackend;
import io.distcore.lock.LockListener;
import io.distcore.lock.LockRegistry;
import io.distcore.lock.actuate.LockMetrics;
import io.distcore.lock.local.LocalLockBackend;
import io.distcore.support.InstanceId;
import io.distcore.support.PropertyChecks;

import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.env.Environment;

/**
 * Distributed locks: every backend whose infrastructure is present, the {@link LockRegistry} over them, and
 * the {@code @DistributedLock} advice.
 */
@AutoConfiguration(after = { DistcoreAutoConfiguration.class, ZooKeeperAutoConfiguration.class },
		afterName = { "org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration",
				"org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
				"org.springframework.boot.jdbc.autoconfigure.JdbcTemplateAutoConfiguration" })
@ConditionalOnBooleanProperty(name = "distcore.lock.enabled", matchIfMissing = true)
@EnableConfigurationProperties(LockProperties.class)
@Import({ RedisLockConfiguration.class, RedLockConfiguration.class, ZooKeeperLockConfiguration.class,
		JdbcLockConfiguration.class, LockAspectConfiguration.class, RedLockSanitizingConfiguration.class })
public final class LockAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	LocalLockBackend localLockBackend() {
		return new LocalLockBackend();
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean
	LockRegistry lockRegistry(InstanceId instanceId, ObjectProvider<LockBackend> backends, LockProperties properties,
			ObjectProvider<LockListener> listeners, Environment environment, ListableBeanFactory beanFactory) {
		PropertyChecks.atLeast("distcore.lock.lease-time", properties.getLeaseTime(), Duration.ofMillis(3));
		PropertyChecks.notNegative("distcore.lock.wait-time", properties.getWaitTime());
		Map<String, LockBackend> byName = new LinkedHashMap<>();
		backends.orderedStream().forEach((backend) -> byName.put(backend.name(), backend));
		String defaultBackend = LockBackendSelector.select(properties.getBackend(), byName, environment, beanFactory);
		return new LockRegistry(instanceId, byName.values(), defaultBackend, properties.getLeaseTime(),
				listeners.orderedStream().toList());
	}

	/** Metrics hang off a listener, so they are wired with the registry that calls it. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "io.micrometer.core.instrument.binder.MeterBinder")
	static class LockMetricsConfiguration {

		@Bean
		@ConditionalOnMissingBean
		LockMetrics lockMetrics(ObjectProvider<LockRegistry> registry) {
			return new LockMetrics(registry::getObject);
		}

	}

}
