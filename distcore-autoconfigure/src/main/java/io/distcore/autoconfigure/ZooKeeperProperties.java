package io.distcore.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Connection to ZooKeeper, shared by every capability that uses it.
 */
@ConfigurationProperties("distcore.zookeeper")
public class ZooKeeperProperties {

	/**
	 * ZooKeeper ensemble as host:port pairs separated by commas. Setting it creates the shared
	 * CuratorFramework.
	 */
	private String connectString;

	/**
	 * Session timeout: how long the ensemble keeps this process's ephemeral nodes (and so its locks and
	 * leases) after it stops hearing from it.
	 */
	private Duration sessionTimeout = Duration.ofSeconds(30);

	/**
	 * How long to wait for a connection before an operation fails.
	 */
	private Duration connectionTimeout = Duration.ofSeconds(5);

	/**
	 * First delay of the exponential back-off between connection retries.
	 */
	private Duration retryBaseSleep = Duration.ofMillis(100);

	/**
	 * Retries of one operation before it fails.
	 */
	private int maxRetries = 3;

	public String getConnectString() {
		return this.connectString;
	}

	public void setConnectString(String connectString) {
		this.connectString = connectString;
	}

	public Duration getSessionTimeout() {
		return this.sessionTimeout;
	}

	public void setSessionTimeout(Duration sessionTimeout) {
		this.sessionTimeout = sessionTimeout;
	}

	public Duration getConnectionTimeout() {
		return this.connectionTimeout;
	}

	public void setConnectionTimeout(Duration connectionTimeout) {
		this.connectionTimeout = connectionTimeout;
	}

	public Duration getRetryBaseSleep() {
		return this.retryBaseSleep;
	}

	public void setRetryBaseSleep(Duration retryBaseSleep) {
		this.retryBaseSleep = retryBaseSleep;
	}

	public int getMaxRetries() {
		return this.maxRetries;
	}

	public void setMaxRetries(int maxRetries) {
		this.maxRetries = maxRetries;
	}

}
