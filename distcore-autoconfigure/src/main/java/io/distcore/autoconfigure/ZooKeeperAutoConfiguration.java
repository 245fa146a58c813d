package io.distcore.autoconfigure;

import io.distcore.support.PropertyChecks;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The {@link CuratorFramework} shared by every capability that uses ZooKeeper, created when
 * {@code distcore.zookeeper.connect-string} is set.
 */
@AutoConfiguration
@ConditionalOnClass(CuratorFramework.class)
@EnableConfigurationProperties(ZooKeeperProperties.class)
public final class ZooKeeperAutoConfiguration {

	@Bean(initMethod = "start", destroyMethod = "close")
	@ConditionalOnMissingBean
	@ConditionalOnProperty("distcore.zookeeper.connect-string")
	CuratorFramework distcoreCuratorFramework(ZooKeeperProperties properties) {
		PropertyChecks.check(properties.getMaxRetries() >= 0, "distcore.zookeeper.max-retries", properties.getMaxRetries(),
				"must not be negative");
		return CuratorFrameworkFactory.builder()
			.connectString(properties.getConnectString())
			.sessionTimeoutMs(Math.toIntExact(properties.getSessionTimeout().toMillis()))
			.connectionTimeoutMs(Math.toIntExact(properties.getConnectionTimeout().toMillis()))
			.retryPolicy(new ExponentialBackoffRetry(Math.toIntExact(properties.getRetryBaseSleep().toMillis()),
					properties.getMaxRetries()))
			.build();
	}

}
