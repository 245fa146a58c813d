package io.distcore.lock.autoconfigure;

import org.springframework.context.annotation.Configuration;

/**
 * Wires the ZooKeeper lock backend when its infrastructure is present.
 */
@Configuration(proxyBeanMethods = false)
class ZooKeeperLockConfiguration {

}
