package io.distcore.tcc.actuate;

import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

import io.distcore.tcc.coordinator.JdbcTccLogStore;
import io.distcore.tcc.coordinator.TransactionRecord;
import io.distcore.tcc.coordinator.TransactionState;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.util.Assert;

/**
 * The TCC backlog: UP while nothing needs attention; the configured status (DEGRADED unless set) while a
 * transaction needs a person ({@code CONFIRM_FAILED}, {@code CANCEL_FAILED}) or is stuck (not finished long after
 * it began); DOWN when the log cannot be read in time. Two bounded reads of the log, never a write.
 * <p>
 * The reads run on one thread of their own and the request waits for them at most {@code timeout}: a database
 * that does not answer makes the health request DOWN, not slow. While a check still hangs, the next one does not
 * queue behind it but is DOWN at once, so health requests cannot pile up threads or connections.
 */
public class TccHealthIndicator extends AbstractHealthIndicator implements DisposableBean {

	/** Rows counted per category: enough to tell "a few" from "many" without reading the whole log. */
	static final int COUNTED = 100;

	/** Xids shown per category, oldest first. */
	private static final int SHOWN = 5;

	private static final Set<TransactionState> NEEDS_PERSON = EnumSet.of(TransactionState.CONFIRM_FAILED,
			TransactionState.CANCEL_FAILED);

	private static final Set<TransactionState> UNFINISHED = EnumSet.of(TransactionState.TRYING,
			TransactionState.CONFIRMING, TransactionState.CANCELLING);

	private final JdbcTccLogStore store;

	private final Clock clock;

	private final Duration stuckAfter;

	private final Status attention;

	private final Duration timeout;

	private final ThreadPoolExecutor reader;

	/** Whether a read runs: set when a check hands one over, cleared when it ends, answered in time or not. */
	private final AtomicBoolean busy = new AtomicBoolean();

	/**
	 * @param store the coordinator's log
	 * @param clock the coordinator's clock
	 * @param stuckAfter age after which an unfinished transaction counts as stuck
	 * @param attention status while a transaction needs a person or is stuck
	 * @param timeout longest wait for the log's answer
	 */
	public TccHealthIndicator(JdbcTccLogStore store, Clock clock, Duration stuckAfter, Status attention,
			Duration timeout) {
		super("TCC health check failed");
		Assert.notNull(store, "store must not be null");
		Assert.notNull(clock, "clock must not be null");
		Assert.isTrue(stuckAfter != null && stuckAfter.toMillis() > 0, "stuckAfter must be positive");
		Assert.notNull(attention, "attention must not be null");
		Assert.isTrue(timeout != null && timeout.toMillis() > 0, "timeout must be positive");
		this.store = store;
		this.clock = clock;
		this.stuckAfter = stuckAfter;
		this.attention = attention;
		this.timeout = timeout;
		// Queued, not rejected: whether a read still runs is the busy flag's to say. A pool that refuses what its
		// one thread cannot take at once also refused checks that came right after a finished one, before its
		// thread was back waiting for work.
		this.reader = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(), (task) -> {
			Thread thread = new Thread(task, "distcore-tcc-health");
			thread.setDaemon(true);
			return thread;
		});
	}

	@Override
	protected void doHealthCheck(Health.Builder builder) throws Exception {
		Backlog backlog = read();
		boolean needsAttention = !backlog.needsPerson().isEmpty() || !backlog.stuck().isEmpty();
		builder.status(needsAttention ? this.attention : Status.UP)
			.withDetail("needsPerson", backlog.needsPerson().size())
			.withDetail("stuck", backlog.stuck().size())
			.withDetail("stuckAfter", this.stuckAfter.toString());
		if (backlog.needsPerson().size() >= COUNTED || backlog.stuck().size() >= COUNTED) {
			builder.withDetail("countedUpTo", COUNTED);
		}
		if (!backlog.needsPerson().isEmpty()) {
			builder.withDetail("needsPersonXids", xids(backlog.needsPerson()));
		}
		if (!backlog.stuck().isEmpty()) {
			builder.withDetail("stuckXids", xids(backlog.stuck()));
		}
	}

	private Backlog read() throws Exception {
		if (!this.busy.compareAndSet(false, true)) {
			throw new IllegalStateException("The previous check of the coordinator's log " + this.store
					+ " has not answered yet");
		}
		Future<Backlog> answer;
		try {
			answer = this.reader.submit(() -> {
				try {
					return new Backlog(this.store.list(NEEDS_PERSON, null, COUNTED),
							this.store.list(UNFINISHED, this.clock.instant().minus(this.stuckAfter), COUNTED));
				}
				finally {
					this.busy.set(false);
				}
			});
		}
		catch (RejectedExecutionException ex) {
			this.busy.set(false);
			throw new IllegalStateException("The health check of the coordinator's log " + this.store + " is closed");
		}
		try {
			return answer.get(this.timeout.toMillis(), TimeUnit.MILLISECONDS);
		}
		catch (TimeoutException ex) {
			// The read keeps its thread until the store's own query timeout ends it; the next check is refused.
			throw new IllegalStateException("The coordinator's log " + this.store + " did not answer within "
					+ this.timeout);
		}
		catch (ExecutionException ex) {
			throw (ex.getCause() instanceof Exception cause) ? cause : ex;
		}
	}

	private static List<String> xids(List<TransactionRecord> rows) {
		return rows.stream().limit(SHOWN).map(TransactionRecord::xid).toList();
	}

	@Override
	public void destroy() {
		this.reader.shutdownNow();
	}

	private record Backlog(List<TransactionRecord> needsPerson, List<TransactionRecord> stuck) {
	}

}
