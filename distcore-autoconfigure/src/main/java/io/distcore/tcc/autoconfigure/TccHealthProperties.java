package io.distcore.tcc.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The TCC health indicator ({@code management.health.tcc.enabled} switches it).
 */
@ConfigurationProperties("distcore.tcc.health")
public class TccHealthProperties {

	/**
	 * Age after which a transaction still trying, confirming or cancelling counts as stuck.
	 */
	private Duration stuckAfter = Duration.ofMinutes(10);

	/**
	 * Health status while a transaction needs a person (CONFIRM_FAILED, CANCEL_FAILED) or is stuck. DEGRADED
	 * answers HTTP 200 unless mapped otherwise (management.endpoint.health.status.http-mapping); DOWN takes the
	 * instance out of service, which a restart does not fix.
	 */
	private String status = "DEGRADED";

	/**
	 * Longest time a health request waits for the coordinator's log before it reports DOWN.
	 */
	private Duration timeout = Duration.ofSeconds(2);

	public Duration getStuckAfter() {
		return this.stuckAfter;
	}

	public void setStuckAfter(Duration stuckAfter) {
		this.stuckAfter = stuckAfter;
	}

	public String getStatus() {
		return this.status;
	}

	public void setStatus(String status) {
		this.status = status;
	}

	public Duration getTimeout() {
		return this.timeout;
	}

	public void setTimeout(Duration timeout) {
		this.timeout = timeout;
	}

}
