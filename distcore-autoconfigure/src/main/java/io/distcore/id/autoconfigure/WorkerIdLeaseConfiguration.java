package io.distcore.id.autoconfigure;

import org.springframework.context.annotation.Configuration;

/**
 * Placeholder filled by the WorkerIdLease work.
 */
@Configuration(proxyBeanMethods = false)
class WorkerIdLeaseConfiguration {

}
