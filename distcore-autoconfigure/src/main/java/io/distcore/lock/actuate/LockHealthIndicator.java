package io.distcore.lock.actuate;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.distcore.lock.LockRegistry;
import io.distcore.lock.LockRegistry.HoldInfo;
import io.distcore.lock.jdbc.LockTableMissingException;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of every lock backend of the registry, each checked without a side effect
 * ({@link io.distcore.lock.LockBackend#check()}: a {@code PING}, a {@code SELECT} reading no row, the ZooKeeper
 * connection state, a {@code PING} to a majority of RedLock nodes), so that health requests write no key, row
 * or node and never contend with the application's locks; nor are they lock activity for the
 * {@link LockMetrics meters}. DOWN when any backend fails its check. A JDBC backend whose table is missing is not
 * DOWN: its database answers, and the table is created by the first lock or named in that lock's failure; its
 * entry reads {@code NO TABLE:} and says which. Details show each backend's result, the default backend, and how
 * many holds this process has and how many are lost.
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
			catch (LockTableMissingException ex) {
				// Not down: the database answers, and an application that never locks must stay healthy.
				backends.put(backend, "NO TABLE: " + ex.getMessage());
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
