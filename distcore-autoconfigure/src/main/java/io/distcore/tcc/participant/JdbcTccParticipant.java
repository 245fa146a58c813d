package io.distcore.tcc.participant;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.distcore.tcc.Phase;
import io.distcore.tcc.TccBinding;
import io.distcore.tcc.TccContext;
import io.distcore.tcc.TccDuplicateTryException;
import io.distcore.tcc.TccException;
import io.distcore.tcc.TccParticipant;
import io.distcore.tcc.TccTryRefusedException;
import io.distcore.tcc.participant.TccBarrierStore.TryRow;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;
import org.springframework.util.Assert;

/**
 * Runs the phases of this process's {@link io.distcore.tcc.TccAction}s, each in a new local transaction on the
 * participant's transaction manager together with its barrier row (either both commit or neither):
 * <ul>
 * <li>try: inserts the TRY row; if it exists the business code does not run, and the row's origin, read after the
 * insert failed, tells why: an empty rollback's marker (origin CANCEL) refuses the try with
 * {@link TccTryRefusedException}; a row an earlier try of the branch wrote (origin TRY) makes this one a repeated
 * delivery, {@link TccDuplicateTryException}, which the caller must take as a failed try, not as a refusal. At
 * its end the try's arguments and the values it put are stored in the row.</li>
 * <li>confirm: inserts the CONFIRM row; if it exists the delivery is a duplicate and nothing runs. Else the
 * confirm method runs with the try's arguments.</li>
 * <li>cancel: inserts the TRY row as a marker; if that succeeds the try never ran here (empty rollback): the
 * CANCEL row is inserted, nothing runs, and a late try is refused. Else inserts the CANCEL row; if it exists the
 * delivery is a duplicate. Else the cancel method runs with the try's arguments.</li>
 * </ul>
 * A delivery that meets a row another transaction inserted and has not committed waits for it, so a duplicate
 * is reported done only once the first delivery's work committed. Rows of branches finished longer than the
 * retention ago are deleted in batches by a background task started at the first use.
 */
public final class JdbcTccParticipant implements TccParticipant, TccTryRunner, DisposableBean {

	private static final Log logger = LogFactory.getLog(JdbcTccParticipant.class);

	private static final int MAX_XID_LENGTH = 128;

	private static final int MAX_BRANCH_LENGTH = 64;

	private static final int PURGE_BATCH_SIZE = 500;

	private final TccActionRegistry registry;

	private final TccBarrierStore barrier;

	private final TransactionTemplate transactions;

	private final TccPayloadCodec codec;

	private final BeanFactory beanFactory;

	private final Duration retention;

	private final AtomicBoolean purgeStarted = new AtomicBoolean();

	private volatile ScheduledExecutorService purgeExecutor;

	/**
	 * @param registry the checked actions
	 * @param barrier the barrier table on the participant's database
	 * @param transactionManager the participant's transaction manager, on the barrier's database
	 * @param objectMapper how arguments are stored as JSON
	 * @param beanFactory where confirm and cancel find their beans
	 * @param retention how long rows of finished branches stay
	 */
	public JdbcTccParticipant(TccActionRegistry registry, TccBarrierStore barrier,
			PlatformTransactionManager transactionManager, tools.jackson.databind.ObjectMapper objectMapper,
			BeanFactory beanFactory, Duration retention) {
		this.registry = registry;
		this.barrier = barrier;
		this.transactions = new TransactionTemplate(transactionManager);
		this.transactions.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
		this.codec = new TccPayloadCodec(objectMapper);
		this.beanFactory = beanFactory;
		this.retention = retention;
	}

	@Override
	public Object runTry(TccActionDefinition action, String xid, String branchId, Object[] arguments,
			Business business) throws Throwable {
		checkIds(xid, branchId);
		started();
		TccContext context = new TccContext(xid, branchId, action.name(), Phase.TRY, action.parameterNames(),
				Arrays.asList(arguments), Map.of(), this.codec::convert);
		// Written with the row, so that a try which puts no values costs no second statement; the arguments are
		// the ones the try was called with, whatever it does to them.
		String storedArguments = this.codec.writeArguments(action, context.arguments());
		return inTransaction(() -> {
			if (!this.barrier.insert(xid, branchId, Phase.TRY, action.name(), Phase.TRY,
					this.codec.write(action, storedArguments, Map.of()))) {
				// Read only after the insert lost: it waited for the row's transaction, so the row is committed.
				TryRow existing = this.barrier.tryRow(xid, branchId);
				if (existing != null && existing.origin() == Phase.TRY) {
					throw new TccDuplicateTryException(xid, branchId);
				}
				throw new TccTryRefusedException(xid, branchId);
			}
			Object result;
			try (TccBinding.Scope scope = TccContext.bind(context)) {
				result = business.run();
			}
			if (!context.attributes().isEmpty()) {
				this.barrier.storePayload(xid, branchId, this.codec.write(action, storedArguments, context.attributes()));
			}
			return result;
		});
	}

	@Override
	public void complete(String xid, String branchId, Phase phase) {
		if (phase == null || phase == Phase.TRY) {
			throw new IllegalArgumentException("Only CONFIRM and CANCEL complete a branch, not " + phase);
		}
		checkIds(xid, branchId);
		started();
		try {
			inTransaction(() -> {
				if (phase == Phase.CONFIRM) {
					confirm(xid, branchId);
				}
				else {
					cancel(xid, branchId);
				}
				return null;
			});
		}
		catch (RuntimeException | Error ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new TccException(phase + " of branch " + branchId + " of " + xid + " failed: " + ex, ex);
		}
	}

	private void confirm(String xid, String branchId) throws Throwable {
		if (!this.barrier.insert(xid, branchId, Phase.CONFIRM, null, Phase.CONFIRM, null)) {
			return;
		}
		TryRow tried = this.barrier.tryRow(xid, branchId);
		if (tried == null || tried.origin() != Phase.TRY) {
			throw new TccException("Cannot confirm branch " + branchId + " of " + xid + ": "
					+ ((tried == null) ? "its try never ran here" : "it was cancelled before its try arrived"));
		}
		run(xid, branchId, Phase.CONFIRM, tried);
	}

	private void cancel(String xid, String branchId) throws Throwable {
		if (this.barrier.insert(xid, branchId, Phase.TRY, null, Phase.CANCEL, null)) {
			// Empty rollback: the marker stays so that a late try is refused.
			this.barrier.insert(xid, branchId, Phase.CANCEL, null, Phase.CANCEL, null);
			return;
		}
		if (!this.barrier.insert(xid, branchId, Phase.CANCEL, null, Phase.CANCEL, null)) {
			return;
		}
		TryRow tried = this.barrier.tryRow(xid, branchId);
		if (tried == null || tried.origin() != Phase.TRY) {
			return;
		}
		run(xid, branchId, Phase.CANCEL, tried);
	}

	private void run(String xid, String branchId, Phase phase, TryRow tried) throws Throwable {
		TccActionDefinition action = this.registry.forName(tried.action());
		if (action == null) {
			throw new TccException("Cannot " + phase.name().toLowerCase() + " branch " + branchId + " of " + xid
					+ ": its try ran action '" + tried.action() + "', which this application does not have");
		}
		TccContext context = this.codec.read(action, xid, branchId, phase, tried.payload());
		try (TccBinding.Scope scope = TccContext.bind(context)) {
			action.invoke(this.beanFactory, (phase == Phase.CONFIRM) ? action.confirmMethod() : action.cancelMethod(),
					context);
		}
	}

	/**
	 * Deletes rows of branches finished more than the retention ago; the background task calls it hourly.
	 * @return branches deleted
	 */
	public int purge() {
		return this.barrier.purge(this.retention, PURGE_BATCH_SIZE);
	}

	@Override
	public void destroy() {
		ScheduledExecutorService executor = this.purgeExecutor;
		if (executor != null) {
			executor.shutdownNow();
		}
	}

	/** Nothing touches the database or starts a thread until a phase runs. */
	private void started() {
		this.barrier.ensureSchema();
		if (this.purgeStarted.compareAndSet(false, true)) {
			ScheduledExecutorService executor = Executors.newSingleThreadScheduledExecutor((task) -> {
				Thread thread = new Thread(task, "distcore-tcc-barrier-purge");
				thread.setDaemon(true);
				return thread;
			});
			executor.scheduleWithFixedDelay(this::purgeQuietly, 1, 60, TimeUnit.MINUTES);
			this.purgeExecutor = executor;
		}
	}

	private void purgeQuietly() {
		try {
			int purged = purge();
			if (logger.isDebugEnabled()) {
				logger.debug("Purged the barrier rows of " + purged + " branch(es) finished more than " + this.retention
						+ " ago");
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Purging the TCC barrier table " + this.barrier.table() + " failed; trying again in an hour: "
					+ ex.getMessage());
		}
	}

	private static void checkIds(String xid, String branchId) {
		Assert.isTrue(xid != null && !xid.isEmpty() && xid.length() <= MAX_XID_LENGTH,
				() -> "xid must have 1 to " + MAX_XID_LENGTH + " characters, was " + xid);
		Assert.isTrue(branchId != null && !branchId.isEmpty() && branchId.length() <= MAX_BRANCH_LENGTH,
				() -> "branch id must have 1 to " + MAX_BRANCH_LENGTH + " characters, was " + branchId);
	}

	/**
	 * Runs work in a new local transaction; whatever it throws rolls the transaction back and reaches the caller
	 * unchanged, checked exceptions included.
	 */
	private Object inTransaction(Business work) throws Throwable {
		try {
			return this.transactions.execute((status) -> {
				try {
					return work.run();
				}
				catch (RuntimeException | Error ex) {
					throw ex;
				}
				catch (Throwable ex) {
					throw new Checked(ex);
				}
			});
		}
		catch (Checked ex) {
			throw ex.getCause();
		}
	}

	private static final class Checked extends RuntimeException {

		Checked(Throwable cause) {
			super(cause);
		}

	}

}
