package io.distcore.lock.actuate;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.distcore.lock.LockRegistry;
import io.distcore.lock.LockRegistry.HoldInfo;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of every lock backend of the registry, each checked without a side effect
 * ({@link io.distcore.lock.LockBackend#check()}: a {@code PING}, a {@code SELECT} reading no row, the ZooKeeper
 * connection state, a {@code PING} to a majority of RedLock nodes), so that health requests write no key, row
 * or node and never contend with the application's locks. DOWN when any backend fails its check. Details show
 * each backend's result, the default backend, and how many holds this process has and how many are lost.
 */
public class LockHealthIndicator extends AbstractHealthIndicator {

	private final LockRegistry registry;

	public LockHealthIndicator(LockRegistry registry) {
		super("Lock backend health check failed");
		this.registry = registry;
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) {
		Map<String, String> backends = new TreeMap<>();
		boolean up = true;
		for (String backend : this.registry.backends()) {
			try {
				this.registry.check(backend);
				backends.put(backend, "UP");
			}
			catch (RuntimeException ex) {
				up = false;
				backends.put(backend, "DOWN: " + ex.getMessage());
			}
		}
		List<HoldInfo> holds = this.registry.holds();
		(up ? builder.up() : builder.down()).withDetail("default", this.registry.defaultBackend())
			.withDetail("backends", backends)
			.withDetail("holds", holds.size())
			.withDetail("lost", holds.stream().filter((hold) -> hold.lostReason() != null).count());
	}

}
