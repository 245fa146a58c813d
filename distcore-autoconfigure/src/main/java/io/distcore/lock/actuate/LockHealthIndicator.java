package io.distcore.lock.actuate;

import java.time.Duration;

import io.distcore.lock.LockRegistry;
import io.distcore.lock.LockRegistry.HoldInfo;
import io.distcore.lock.NamedLock;
import io.distcore.support.InstanceId;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Health of the default lock backend, probed by taking and releasing a lock of this process's own; DOWN when
 * that fails. Details show the backend, the holds of this process and how many of them are lost.
 */
public class LockHealthIndicator extends AbstractHealthIndicator {

	private final LockRegistry registry;

	private final String probeName;

	public LockHealthIndicator(LockRegistry registry, InstanceId instanceId) {
		super("Lock backend health check failed");
		this.registry = registry;
		this.probeName = "distcore-health:" + instanceId.value();
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) throws Exception {
		String backend = this.registry.defaultBackend();
		NamedLock probe = this.registry.getLock(this.probeName, backend, "health-probe");
		if (!probe.tryLock(Duration.ofSeconds(1), Duration.ofSeconds(5))) {
			builder.unknown().withDetail("backend", backend).withDetail("probe", "another check holds the probe lock");
			return;
		}
		probe.unlock();
		long lost = this.registry.holds().stream().filter((hold) -> hold.lostReason() != null).count();
		builder.up()
			.withDetail("backend", backend)
			.withDetail("holds", this.registry.holds().stream().filter((hold) -> !isProbe(hold)).count())
			.withDetail("lost", lost);
	}

	private boolean isProbe(HoldInfo hold) {
		return hold.name().equals(this.probeName);
	}

}
