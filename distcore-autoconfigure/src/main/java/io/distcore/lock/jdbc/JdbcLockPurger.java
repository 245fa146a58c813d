package io.distcore.lock.jdbc;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.distcore.lock.LockBackendUnavailableException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.context.SmartLifecycle;
import org.springframework.util.Assert;

/**
 * Runs {@link JdbcLockBackend#purge} on a thread of its own every {@code interval} while the application runs, so
 * that rows of locks taken once (one per order id, say) do not pile up in the lock table. The thread starts with
 * the backend's first lock, not with the application: one that never locks has no thread and no purge writing
 * to its database. A purge that fails is logged and tried again at the next interval. A zero interval turns
 * purging off.
 */
public final class JdbcLockPurger implements SmartLifecycle {

	private static final Log logger = LogFactory.getLog(JdbcLockPurger.class);

	private final JdbcLockBackend backend;

	private final Duration interval;

	private final Duration retention;

	private final int batchSize;

	private boolean running;

	private ScheduledExecutorService executor;

	/**
	 * Creates a purger; it runs from the start of the application context, with its thread from the backend's
	 * first lock.
	 * @param backend the backend whose table is purged
	 * @param interval time between the end of one purge and the start of the next; zero never purges
	 * @param retention how long a row stays after its lease ended
	 * @param batchSize most rows one statement deletes
	 */
	public JdbcLockPurger(JdbcLockBackend backend, Duration interval, Duration retention, int batchSize) {
		Assert.notNull(backend, "JdbcLockBackend must not be null");
		Assert.isTrue(interval != null && !interval.isNegative(), () -> "Interval must not be negative, was " + interval);
		Assert.isTrue(retention != null && !retention.isNegative(), () -> "Retention must not be negative, was " + retention);
		Assert.isTrue(batchSize > 0, () -> "Batch size must be positive, was " + batchSize);
		this.backend = backend;
		this.interval = interval;
		this.retention = retention;
		this.batchSize = batchSize;
		backend.onFirstUse(this::schedule);
	}

	@Override
	public synchronized void start() {
		if (this.running || this.interval.toMillis() == 0) {
			return;
		}
		this.running = true;
		if (this.backend.isInUse()) {
			schedule();
		}
	}

	@Override
	public synchronized void stop() {
		this.running = false;
		if (this.executor != null) {
			this.executor.shutdownNow();
			this.executor = null;
		}
	}

	@Override
	public synchronized boolean isRunning() {
		return this.running;
	}

	private synchronized void schedule() {
		if (!this.running || this.executor != null) {
			return;
		}
		this.executor = Executors.newSingleThreadScheduledExecutor((task) -> {
			Thread thread = new Thread(task, "distcore-lock-purge");
			thread.setDaemon(true);
			return thread;
		});
		this.executor.scheduleWithFixedDelay(this::purge, this.interval.toMillis(), this.interval.toMillis(),
				TimeUnit.MILLISECONDS);
	}

	private void purge() {
		try {
			int purged = this.backend.purge(this.retention, this.batchSize);
			if (logger.isDebugEnabled()) {
				logger.debug("Purged " + purged + " lock row(s) released more than " + this.retention + " ago");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		catch (LockBackendUnavailableException ex) {
			logger.warn("Purging the lock table failed; trying again in " + this.interval + ": " + ex.getMessage());
		}
	}

}
