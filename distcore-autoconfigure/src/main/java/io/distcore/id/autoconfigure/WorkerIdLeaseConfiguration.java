package io.distcore.id.autoconfigure;

import java.time.Duration;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import io.distcore.id.lease.LeasedWorkerId;
import io.distcore.id.lease.WorkerIdStore;
import io.distcore.id.lease.jdbc.JdbcWorkerIdStore;
import io.distcore.id.lease.redis.RedisWorkerIdStore;
import io.distcore.id.lease.zookeeper.ZooKeeperWorkerIdStore;
import io.distcore.id.snowflake.SnowflakeLayout;
import io.distcore.id.snowflake.WorkerIdLease;
import io.distcore.support.InitializeSchema;
import io.distcore.support.InstanceId;
import io.distcore.support.JdbcSchemaInitialization;
import io.distcore.support.PropertyChecks;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.curator.framework.CuratorFramework;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotatedTypeMetadata;
import org.springframework.data.redis.connection.RedisConnectionFactory;

/**
 * The worker identity of the snowflake generator: fixed when {@code distcore.id.snowflake.worker-id} (or
 * {@code datacenter-id}) is set, otherwise leased from the backend {@link WorkerIdStoreSelector} chooses and
 * released at shutdown. The lease is {@link LeasedWorkerId#lazy lazy}: an application that never asks for an
 * id claims no slot, starts no heartbeat, needs no lease table and never contacts the store (the table is
 * created, per {@code distcore.id.jdbc.initialize-schema}, at the first claim); a store that cannot be reached,
 * or a missing table, fails the first id instead of the startup. With neither, no bean: the generator falls back to
 * {@link WorkerIdLeases#none()}.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnProperty(name = "distcore.id.generator", havingValue = "snowflake", matchIfMissing = true)
class WorkerIdLeaseConfiguration {

	private static final Log logger = LogFactory.getLog(WorkerIdLeaseConfiguration.class);

	private static final String WORKER_ID = "distcore.id.snowflake.worker-id";

	private static final String DATACENTER_ID = "distcore.id.snowflake.datacenter-id";

	@Bean
	@ConditionalOnMissingBean(WorkerIdLease.class)
	@Conditional(FixedIdCondition.class)
	WorkerIdLease fixedWorkerIdLease(IdProperties properties) {
		IdProperties.Snowflake snowflake = properties.getSnowflake();
		SnowflakeLayout layout = SnowflakeIdConfiguration.layout(snowflake);
		if (snowflake.getWorkerId() == null) {
			throw PropertyChecks.invalid(WORKER_ID, null, "must be set too, since " + DATACENTER_ID + " is set");
		}
		long datacenterId = (snowflake.getDatacenterId() != null) ? snowflake.getDatacenterId() : 0;
		requireInRange(WORKER_ID, snowflake.getWorkerId(), layout.maxWorkerId(), "worker-bits");
		requireInRange(DATACENTER_ID, datacenterId, layout.maxDatacenterId(), "datacenter-bits");
		logger.info("Snowflake worker id is fixed: datacenter " + datacenterId + " worker " + snowflake.getWorkerId()
				+ " (" + WORKER_ID + ")");
		return WorkerIdLease.fixed(datacenterId, snowflake.getWorkerId());
	}

	@Bean(destroyMethod = "close")
	@ConditionalOnMissingBean(WorkerIdLease.class)
	@Conditional(LeaseBackendCondition.class)
	LeasedWorkerId leasedWorkerId(IdProperties properties, ObjectProvider<InstanceId> instanceId,
			ConfigurableListableBeanFactory beanFactory, Environment environment) {
		IdProperties.Snowflake snowflake = properties.getSnowflake();
		IdProperties.Lease lease = snowflake.getLease();
		SnowflakeLayout layout = SnowflakeIdConfiguration.layout(snowflake);
		Duration ttl = lease.getTtl();
		Duration heartbeat = lease.getHeartbeat();
		PropertyChecks.check(ttl != null && ttl.toMillis() > 0, "distcore.id.snowflake.lease.ttl", ttl,
				"must be at least 1ms");
		PropertyChecks.check(heartbeat != null && heartbeat.toMillis() > 0 && heartbeat.multipliedBy(3).compareTo(ttl) <= 0,
				"distcore.id.snowflake.lease.heartbeat", heartbeat,
				"must be positive and at most a third of distcore.id.snowflake.lease.ttl (" + ttl + ")");
		String backend = WorkerIdStoreSelector
			.select(lease.getBackend(), beanFactory, environment, beanFactory.getBeanClassLoader())
			.orElseThrow(() -> PropertyChecks.invalid(WorkerIdStoreSelector.PROPERTY, null,
					"no backend to lease worker ids from: add Redis, ZooKeeper or a DataSource, or set " + WORKER_ID));
		WorkerIdStore store = switch (backend) {
			case "redis" -> RedisStores.create(beanFactory, lease);
			case "zookeeper" -> ZooKeeperStores.create(beanFactory, lease);
			default -> JdbcStores.create(beanFactory, lease, properties.getJdbc().getInitializeSchema());
		};
		String owner = instanceId.getIfAvailable(InstanceId::generate).value();
		LeasedWorkerId leased = LeasedWorkerId.lazy(store, owner, layout, ttl, heartbeat);
		logger.info("Snowflake worker id: leased from " + backend + " on the first id (owner " + owner + ", "
				+ layout.workerCount() + " slots, ttl " + ttl + ", heartbeat " + heartbeat + ")");
		return leased;
	}

	@Bean
	@ConditionalOnMissingBean
	WorkerIdLeaseReleaser workerIdLeaseReleaser(ObjectProvider<LeasedWorkerId> lease) {
		return new WorkerIdLeaseReleaser(lease);
	}

	private static void requireInRange(String property, long value, long max, String bitsProperty) {
		PropertyChecks.check(value >= 0 && value <= max, property, value,
				"must be between 0 and " + max + " for the layout's distcore.id.snowflake." + bitsProperty);
	}

	private static <T> T unique(ConfigurableListableBeanFactory beanFactory, Class<T> type, String backend) {
		T bean = beanFactory.getBeanProvider(type).getIfUnique();
		if (bean == null) {
			throw PropertyChecks.invalid(WorkerIdStoreSelector.PROPERTY, backend, "there is no single "
					+ type.getSimpleName() + " bean to lease worker ids from; mark one @Primary or choose another backend");
		}
		return bean;
	}

	/** Matches when a fixed identity is configured. */
	static final class FixedIdCondition extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			return isFixed(context.getEnvironment()) ? ConditionOutcome.match("a fixed worker id is configured")
					: ConditionOutcome.noMatch("no fixed worker id is configured");
		}

		static boolean isFixed(Environment environment) {
			Binder binder = Binder.get(environment);
			return binder.bind(WORKER_ID, Long.class).isBound() || binder.bind(DATACENTER_ID, Long.class).isBound();
		}

	}

	/** Matches without a fixed identity when a lease backend is configured or detected. */
	static final class LeaseBackendCondition extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			if (FixedIdCondition.isFixed(context.getEnvironment())) {
				return ConditionOutcome.noMatch("a fixed worker id is configured");
			}
			if (context.getEnvironment().containsProperty(WorkerIdStoreSelector.PROPERTY)) {
				return ConditionOutcome.match(WorkerIdStoreSelector.PROPERTY + " is set");
			}
			return WorkerIdStoreSelector
				.select(null, context.getBeanFactory(), context.getEnvironment(), context.getClassLoader())
				.map((backend) -> ConditionOutcome.match("worker ids can be leased from " + backend))
				.orElseGet(() -> ConditionOutcome.noMatch("no backend to lease worker ids from"));
		}

	}

	/** Loaded only when spring-data-redis is present. */
	private static final class RedisStores {

		static WorkerIdStore create(ConfigurableListableBeanFactory beanFactory, IdProperties.Lease lease) {
			PropertyChecks.notEmpty("distcore.id.snowflake.lease.key-prefix", lease.getKeyPrefix());
			return new RedisWorkerIdStore(unique(beanFactory, RedisConnectionFactory.class, "redis"),
					lease.getKeyPrefix());
		}

	}

	/** Loaded only when Curator is present. */
	private static final class ZooKeeperStores {

		static WorkerIdStore create(ConfigurableListableBeanFactory beanFactory, IdProperties.Lease lease) {
			try {
				return new ZooKeeperWorkerIdStore(unique(beanFactory, CuratorFramework.class, "zookeeper"),
						lease.getPath());
			}
			catch (IllegalArgumentException ex) {
				throw PropertyChecks.invalid("distcore.id.snowflake.lease.path", lease.getPath(), "must be an "
						+ "absolute ZooKeeper path below the root, such as /distcore/id/workers: " + ex.getMessage(), ex);
			}
		}

	}

	/** Loaded only when spring-jdbc is present. */
	private static final class JdbcStores {

		static WorkerIdStore create(ConfigurableListableBeanFactory beanFactory, IdProperties.Lease lease,
				InitializeSchema initialize) {
			DataSource dataSource = unique(beanFactory, DataSource.class, "jdbc");
			BooleanSupplier createSchema = JdbcSchemaInitialization.createSchema(initialize, dataSource,
					"distcore.id.jdbc.initialize-schema");
			try {
				return new JdbcWorkerIdStore(dataSource, lease.getTableName(), createSchema);
			}
			catch (IllegalArgumentException ex) {
				throw PropertyChecks.invalid("distcore.id.snowflake.lease.table-name", lease.getTableName(),
						"must be letters, digits and '_' (not starting with a digit), optionally qualified as "
								+ "schema.table", ex);
			}
		}

	}

}
