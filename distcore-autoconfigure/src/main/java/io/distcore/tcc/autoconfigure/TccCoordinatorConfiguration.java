package io.distcore.tcc.autoconfigure;

import org.springframework.context.annotation.Configuration;

/**
 * The embedded coordinator: the @TccTransaction advice, the durable log, phase two and recovery.
 */
@Configuration(proxyBeanMethods = false)
class TccCoordinatorConfiguration {

}
