package io.distcore.tcc.actuate;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.distcore.tcc.TccListener;
import io.distcore.tcc.coordinator.JdbcTccLogStore;
import io.distcore.tcc.coordinator.TransactionState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.DisposableBean;

/**
 * Micrometer meters of the embedded coordinator, tagged by transaction name (names are the application's
 * {@code @TccTransaction} methods, so bounded):
 * <ul>
 * <li>{@code distcore.tcc.transactions} counter and {@code distcore.tcc.transactions.duration} timer, tags
 * {@code name}, {@code outcome} = confirmed | cancelled | confirm_failed | cancel_failed</li>
 * <li>{@code distcore.tcc.phase2.retries} counter, tag {@code name}: phase twos postponed after a failed
 * delivery</li>
 * <li>{@code distcore.tcc.recovery.runs} counter</li>
 * <li>{@code distcore.tcc.in.doubt} gauge: transactions CONFIRMING or CANCELLING in the log</li>
 * <li>{@code distcore.tcc.needs.person} gauge: transactions CONFIRM_FAILED or CANCEL_FAILED in the log</li>
 * </ul>
 * The gauges read the log (all instances' transactions, counted up to {@value #MAX_COUNTED}) on a thread of their
 * own at most every {@value #REFRESH_SECONDS} seconds: a scrape gets the last value and never waits for the
 * database, and a failed read keeps the last value.
 */
public final class TccMetrics implements TccListener, MeterBinder, DisposableBean {

	private static final Log logger = LogFactory.getLog(TccMetrics.class);

	/** Rows counted per gauge: a gauge saying "at least this many" is enough to page someone. */
	static final int MAX_COUNTED = 1000;

	static final long REFRESH_SECONDS = 10;

	private final long refreshNanos;

	private static final Set<TransactionState> IN_DOUBT = EnumSet.of(TransactionState.CONFIRMING,
			TransactionState.CANCELLING);

	private static final Set<TransactionState> NEEDS_PERSON = EnumSet.of(TransactionState.CONFIRM_FAILED,
			TransactionState.CANCEL_FAILED);

	private final JdbcTccLogStore store;

	private final ThreadPoolExecutor reader;

	private final AtomicBoolean reading = new AtomicBoolean();

	/** System.nanoTime of the last read started; the first gauge read starts one. */
	private volatile long lastRead;

	private volatile boolean readOnce;

	private volatile double inDoubt = Double.NaN;

	private volatile double needsPerson = Double.NaN;

	private volatile MeterRegistry meters;

	/**
	 * @param store the coordinator's log, read by the gauges
	 */
	public TccMetrics(JdbcTccLogStore store) {
		this(store, Duration.ofSeconds(REFRESH_SECONDS));
	}

	/** For tests that must see reads within milliseconds. */
	TccMetrics(JdbcTccLogStore store, Duration refreshEvery) {
		this.store = store;
		this.refreshNanos = refreshEvery.toNanos();
		this.reader = new ThreadPoolExecutor(1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(1), (task) -> {
			Thread thread = new Thread(task, "distcore-tcc-metrics");
			thread.setDaemon(true);
			return thread;
		});
		this.reader.allowCoreThreadTimeOut(true);
	}

	@Override
	public void bindTo(MeterRegistry registry) {
		this.meters = registry;
		Gauge.builder("distcore.tcc.in.doubt", this, (metrics) -> metrics.read(true))
			.description("Transactions decided but not finished (CONFIRMING, CANCELLING)")
			.register(registry);
		Gauge.builder("distcore.tcc.needs.person", this, (metrics) -> metrics.read(false))
			.description("Transactions whose phase two gave up (CONFIRM_FAILED, CANCEL_FAILED)")
			.register(registry);
	}

	@Override
	public void finished(String name, Outcome outcome, Duration duration) {
		MeterRegistry registry = this.meters;
		if (registry != null) {
			String tag = outcome.name().toLowerCase(java.util.Locale.ROOT);
			Counter.builder("distcore.tcc.transactions").tag("name", name).tag("outcome", tag)
				.description("Global transactions by outcome").register(registry).increment();
			Timer.builder("distcore.tcc.transactions.duration").tag("name", name).tag("outcome", tag)
				.description("Time from the start of a global transaction to its outcome").register(registry)
				.record(duration);
		}
	}

	@Override
	public void phaseTwoRetried(String name) {
		MeterRegistry registry = this.meters;
		if (registry != null) {
			Counter.builder("distcore.tcc.phase2.retries").tag("name", name)
				.description("Phase twos postponed after a failed delivery").register(registry).increment();
		}
	}

	@Override
	public void recoveryRan(int worked) {
		MeterRegistry registry = this.meters;
		if (registry != null) {
			Counter.builder("distcore.tcc.recovery.runs").description("Recovery runs of this instance")
				.register(registry).increment();
		}
	}

	private double read(boolean inDoubt) {
		long now = System.nanoTime();
		if ((!this.readOnce || now - this.lastRead >= this.refreshNanos)
				&& this.reading.compareAndSet(false, true)) {
			this.readOnce = true;
			this.lastRead = now;
			try {
				this.reader.execute(this::refresh);
			}
			catch (RejectedExecutionException ex) {
				this.reading.set(false);
			}
		}
		return inDoubt ? this.inDoubt : this.needsPerson;
	}

	private void refresh() {
		try {
			this.inDoubt = this.store.list(IN_DOUBT, null, MAX_COUNTED).size();
			this.needsPerson = this.store.list(NEEDS_PERSON, null, MAX_COUNTED).size();
		}
		catch (RuntimeException ex) {
			logger.debug("TCC gauges could not read the coordinator's log; they keep their last value", ex);
		}
		finally {
			this.reading.set(false);
		}
	}

	@Override
	public void destroy() {
		this.reader.shutdownNow();
	}

}
