package io.distcore.tcc.coordinator;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;

/**
 * Runs {@link TccCoordinator#recover() recovery} and the retention cleanup at startup and then every interval, on
 * one daemon thread, in an application that coordinates transactions: when it has no {@code @TccTransaction}
 * method there is nothing to recover and no thread is started.
 */
public final class TccRecovery implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(TccRecovery.class);

	/** Retention batches per run: a large backlog is worked off over several runs, never in one long one. */
	private static final int MAX_CLEANUP_BATCHES = 10;

	private final TccCoordinator coordinator;

	private final BooleanSupplier coordinates;

	private final Duration interval;

	private final Duration retention;

	private final int batchSize;

	private volatile ScheduledExecutorService executor;

	/**
	 * @param coordinator the coordinator
	 * @param coordinates asked at start whether the application has a {@code @TccTransaction} method
	 * @param interval time between two runs
	 * @param retention how long finished transactions are kept
	 * @param batchSize transactions deleted per cleanup statement
	 */
	public TccRecovery(TccCoordinator coordinator, BooleanSupplier coordinates, Duration interval, Duration retention,
			int batchSize) {
		this.coordinator = coordinator;
		this.coordinates = coordinates;
		this.interval = interval;
		this.retention = retention;
		this.batchSize = batchSize;
	}

	@Override
	public synchronized void start() {
		if (this.executor != null || !this.coordinates.getAsBoolean()) {
			return;
		}
		ScheduledExecutorService started = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "distcore-tcc-recovery");
			thread.setDaemon(true);
			return thread;
		});
		started.scheduleWithFixedDelay(this::runOnce, 0, this.interval.toMillis(), TimeUnit.MILLISECONDS);
		this.executor = started;
	}

	/**
	 * One run: recovery, then the retention cleanup. Failures are logged; the next run tries again.
	 */
	public void runOnce() {
		try {
			this.coordinator.recover();
		}
		catch (RuntimeException ex) {
			logger.warn("TCC recovery run failed; it runs again in " + this.interval, ex);
		}
		try {
			this.coordinator.deleteFinished(this.retention, this.batchSize, MAX_CLEANUP_BATCHES);
		}
		catch (RuntimeException ex) {
			logger.warn("TCC log cleanup failed; it runs again in " + this.interval, ex);
		}
	}

	@Override
	public synchronized void stop() {
		ScheduledExecutorService running = this.executor;
		this.executor = null;
		if (running != null) {
			running.shutdownNow();
			try {
				running.awaitTermination(10, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	@Override
	public boolean isRunning() {
		return this.executor != null;
	}

}
