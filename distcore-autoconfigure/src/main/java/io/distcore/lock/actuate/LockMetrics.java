package io.distcore.lock.actuate;

import java.time.Duration;
import java.util.function.Supplier;

import io.distcore.lock.LockListener;
import io.distcore.lock.LockRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;

/**
 * Micrometer meters of lock activity, tagged by backend (never by lock name, which is unbounded):
 * <ul>
 * <li>{@code distcore.lock.acquisitions} counter, {@code result} = acquired | not_acquired | failed</li>
 * <li>{@code distcore.lock.wait} timer: time to acquire</li>
 * <li>{@code distcore.lock.held} timer: time from acquisition to release</li>
 * <li>{@code distcore.lock.lost} counter: holds lost before release</li>
 * <li>{@code distcore.lock.active} gauge: holds of this process</li>
 * </ul>
 */
public final class LockMetrics implements LockListener, MeterBinder {

	private final Supplier<LockRegistry> registry;

	private volatile MeterRegistry meters;

	/**
	 * Creates the meters' source.
	 * @param registry supplies the lock registry lazily (the registry itself takes this listener)
	 */
	public LockMetrics(Supplier<LockRegistry> registry) {
		this.registry = registry;
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		this.meters = registry;
		Gauge.builder("distcore.lock.active", () -> this.registry.get().holds().size())
			.description("Lock holds of this process")
			.register(registry);
	}

	@Override
	public void acquired(String backend, String lockName, long fencingToken, Duration waited) {
		count("distcore.lock.acquisitions", backend, "result", "acquired");
		time("distcore.lock.wait", backend, waited);
	}

	@Override
	public void notAcquired(String backend, String lockName, Duration waited) {
		count("distcore.lock.acquisitions", backend, "result", "not_acquired");
		time("distcore.lock.wait", backend, waited);
	}

	@Override
	public void backendFailed(String backend, String lockName, RuntimeException failure) {
		count("distcore.lock.acquisitions", backend, "result", "failed");
	}

	@Override
	public void released(String backend, String lockName, Duration held) {
		time("distcore.lock.held", backend, held);
	}

	@Override
	public void lost(String backend, String lockName, long fencingToken, String reason) {
		MeterRegistry registry = this.meters;
		if (registry != null) {
			Counter.builder("distcore.lock.lost").tag("backend", backend).description("Holds lost before release")
				.register(registry).increment();
		}
	}

	private void count(String name, String backend, String tag, String value) {
		MeterRegistry registry = this.meters;
		if (registry != null) {
			Counter.builder(name).tag("backend", backend).tag(tag, value).register(registry).increment();
		}
	}

	private void time(String name, String backend, Duration duration) {
		MeterRegistry registry = this.meters;
		if (registry != null) {
			Timer.builder(name).tag("backend", backend).register(registry).record(duration);
		}
	}

}
