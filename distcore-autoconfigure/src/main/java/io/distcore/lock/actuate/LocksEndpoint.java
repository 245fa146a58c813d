package io.distcore.lock.actuate;

import java.util.List;
import java.util.Set;

import io.distcore.lock.LockRegistry;
import io.distcore.lock.LockRegistry.HoldInfo;

import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;

/**
 * {@code /actuator/locks}: the backends and what this process holds.
 */
@Endpoint(id = "locks")
public class LocksEndpoint {

	private final LockRegistry registry;

	public LocksEndpoint(LockRegistry registry) {
		this.registry = registry;
	}

	@ReadOperation
	public LocksDescriptor locks() {
		return new LocksDescriptor(this.registry.defaultBackend(), this.registry.backends(), this.registry.holds());
	}

	/**
	 * What the endpoint shows.
	 *
	 * @param defaultBackend backend used when none is named
	 * @param backends every available backend
	 * @param holds holds of this process, oldest first
	 */
	public record LocksDescriptor(String defaultBackend, Set<String> backends, List<HoldInfo> holds) {
	}

}
