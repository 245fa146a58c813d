package io.distcore.lock.autoconfigure;

import io.distcore.lock.zookeeper.ZooKeeperLockBackend;
import io.distcore.support.PropertyChecks;
import org.apache.curator.framework.CuratorFramework;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Wires the ZooKeeper lock backend when its infrastructure is present.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(CuratorFramework.class)
@ConditionalOnBean(CuratorFramework.class)
class ZooKeeperLockConfiguration {

	@Bean
	@ConditionalOnMissingBean
	ZooKeeperLockBackend zooKeeperLockBackend(CuratorFramework curatorFramework, LockProperties properties) {
		String path = properties.getZookeeper().getPath();
		try {
			return new ZooKeeperLockBackend(curatorFramework, path);
		}
		catch (IllegalArgumentException ex) {
			throw PropertyChecks.invalid("distcore.lock.zookeeper.path", path, "must be an absolute ZooKeeper path below "
					+ "the root, such as /distcore/locks: " + ex.getMessage(), ex);
		}
	}

}
