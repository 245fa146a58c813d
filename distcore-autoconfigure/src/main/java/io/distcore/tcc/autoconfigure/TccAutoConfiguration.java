package io.distcore.tcc.autoconfigure;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Import;

/**
 * TCC transactions: the embedded coordinator with its log and recovery, the participant side with its barrier,
 * and the web integration (signed headers on Boot-built HTTP clients, the participant's server filter).
 */
@AutoConfiguration(after = DistcoreAutoConfiguration.class,
		afterName = { "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
				"org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
				"org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration",
				"io.distcore.loadbalancer.autoconfigure.LoadBalancerAutoConfiguration" })
@ConditionalOnBooleanProperty(name = "distcore.tcc.enabled", matchIfMissing = true)
@EnableConfigurationProperties(TccProperties.class)
@Import({ TccParticipantConfiguration.class, TccCoordinatorConfiguration.class, TccWebConfiguration.class })
public final class TccAutoConfiguration {

}
