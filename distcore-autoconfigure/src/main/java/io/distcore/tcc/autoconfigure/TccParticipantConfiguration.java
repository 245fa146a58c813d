package io.distcore.tcc.autoconfigure;

import org.springframework.context.annotation.Configuration;

/**
 * The participant side: the @TccAction advice, the barrier and the local phase-two entry point.
 */
@Configuration(proxyBeanMethods = false)
class TccParticipantConfiguration {

}
