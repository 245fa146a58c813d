package io.distcore.support;

import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.UUID;

import org.springframework.util.Assert;

/**
 * Identity of this process among all processes that share a backend. Lock owners, worker-id leases and
 * transaction branches are qualified with it, so two processes never mistake each other's state even when
 * host names or PIDs repeat (every container is PID 1).
 *
 * @param value the id; printable, without whitespace or {@code :}
 */
public record InstanceId(String value) {

	public InstanceId {
		Assert.hasText(value, "Instance id must not be empty");
		Assert.isTrue(value.chars().noneMatch((c) -> c == ':' || Character.isWhitespace(c)),
				() -> "Instance id must not contain ':' or whitespace: '" + value + "'");
	}

	/**
	 * A fresh id: host name and PID for people reading logs, plus a random part for uniqueness.
	 * @return a new id, different on every call
	 */
	public static InstanceId generate() {
		String random = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		return new InstanceId(sanitize(hostName()) + "-" + ProcessHandle.current().pid() + "-" + random);
	}

	private static String hostName() {
		try {
			return InetAddress.getLocalHost().getHostName();
		}
		catch (UnknownHostException ex) {
			return ManagementFactory.getRuntimeMXBean().getName();
		}
	}

	private static String sanitize(String text) {
		String cleaned = text.replaceAll("[^A-Za-z0-9._-]", "_");
		return cleaned.length() > 40 ? cleaned.substring(0, 40) : cleaned;
	}

	@Override
	public String toString() {
		return this.value;
	}

}
