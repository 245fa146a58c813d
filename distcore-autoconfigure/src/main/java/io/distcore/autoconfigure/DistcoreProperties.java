package io.distcore.autoconfigure;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings shared by every distcore capability.
 */
@ConfigurationProperties("distcore")
public class DistcoreProperties {

	/**
	 * Identity of this process towards lock, id and transaction backends. Generated from host name, PID
	 * and a random part when unset; set it only when something outside needs a stable name, and never
	 * give two running processes the same one.
	 */
	private String instanceId;

	public String getInstanceId() {
		return this.instanceId;
	}

	public void setInstanceId(String instanceId) {
		this.instanceId = instanceId;
	}

}
