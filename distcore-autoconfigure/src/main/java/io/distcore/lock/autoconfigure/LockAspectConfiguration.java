package io.distcore.lock.autoconfigure;

import org.springframework.context.annotation.Configuration;

/**
 * Wires the {@code @DistributedLock} advice.
 */
@Configuration(proxyBeanMethods = false)
class LockAspectConfiguration {

}
