package io.distcore.tcc;

import java.util.concurrent.Callable;

import org.springframework.util.Assert;

/**
 * What the current thread takes part in: a global transaction this process coordinates
 * ({@link ActiveTransaction}, bound by the {@code @TccTransaction} advice) or a branch another process's
 * transaction opened here ({@link InboundBranch}, bound by the participant's server filter). Never both.
 * {@link #capture()} carries the binding to work handed to other threads.
 */
public final class TccBinding {

	private static final ThreadLocal<ActiveTransaction> TRANSACTION = new ThreadLocal<>();

	private static final ThreadLocal<InboundBranch> INBOUND = new ThreadLocal<>();

	private TccBinding() {
	}

	/**
	 * The global transaction this thread works for as initiator.
	 * @return the transaction, or {@code null}
	 */
	public static ActiveTransaction currentTransaction() {
		return TRANSACTION.get();
	}

	/**
	 * The inbound branch this thread serves as a participant.
	 * @return the branch, or {@code null}
	 */
	public static InboundBranch currentInbound() {
		return INBOUND.get();
	}

	/**
	 * Binds a transaction this process coordinates until the scope is closed.
	 * @param transaction the transaction
	 * @return restores what was bound before
	 * @throws TccException if the thread serves an inbound branch (one level only)
	 */
	public static Scope bind(ActiveTransaction transaction) {
		Assert.notNull(transaction, "transaction must not be null");
		InboundBranch inbound = INBOUND.get();
		if (inbound != null) {
			throw new TccException("Cannot open a global transaction inside branch " + inbound.branchId()
					+ " of transaction " + inbound.xid() + ": distcore's TCC transactions have one level");
		}
		return swap(TRANSACTION, transaction);
	}

	/**
	 * Binds a branch another process's transaction opened here until the scope is closed.
	 * @param branch the branch
	 * @return restores what was bound before
	 */
	public static Scope bind(InboundBranch branch) {
		Assert.notNull(branch, "branch must not be null");
		Scope inbound = swap(INBOUND, branch);
		// A participant's own outgoing calls are not enlisted in anything.
		Scope transaction = swap(TRANSACTION, null);
		return () -> {
			transaction.close();
			inbound.close();
		};
	}

	/**
	 * The bindings of the current thread, to apply on another thread.
	 * @return the snapshot (empty when nothing is bound)
	 */
	public static Snapshot capture() {
		return new Snapshot(TRANSACTION.get(), INBOUND.get());
	}

	private static <T> Scope swap(ThreadLocal<T> holder, T value) {
		T previous = holder.get();
		if (value == null) {
			holder.remove();
		}
		else {
			holder.set(value);
		}
		return () -> {
			if (previous == null) {
				holder.remove();
			}
			else {
				holder.set(previous);
			}
		};
	}

	/**
	 * Restores the previous binding; closing twice is harmless only if nothing was bound in between.
	 */
	@FunctionalInterface
	public interface Scope extends AutoCloseable {

		@Override
		void close();

	}

	/**
	 * A global transaction coordinated by this process, as the code that enlists branches sees it.
	 */
	public interface ActiveTransaction {

		/**
		 * The global transaction id.
		 * @return the xid
		 */
		String xid();

		/**
		 * Records a branch in the coordinator's log, durably, before its try is sent: a try whose reply is lost
		 * is still cancelled. Phase two reaches the branch through the {@link BranchTransport} of
		 * {@code transport} at {@code address}.
		 * @param transport {@link BranchTransport#kind() kind} of the transport, {@code local} or {@code http}
		 * @param address where the transport finds the branch: the action name for {@code local}, the
		 * participant's base URI ({@code http://inventory}, {@code http://host:port}) for {@code http}
		 * @return the new branch id, unique within the transaction
		 * @throws TccException if the branch cannot be recorded (the try must then not be sent) or the
		 * transaction is no longer in its try phase
		 */
		String enlist(String transport, String address);

	}

	/**
	 * A branch of another process's global transaction, served on this thread.
	 * @param xid the global transaction id
	 * @param branchId the branch id
	 */
	public record InboundBranch(String xid, String branchId) {

		public InboundBranch {
			Assert.hasText(xid, "xid must not be empty");
			Assert.hasText(branchId, "branchId must not be empty");
		}

	}

	/**
	 * Bindings captured on one thread, applied on another by {@link #wrap(Runnable)} or {@link #wrap(Callable)}.
	 */
	public static final class Snapshot {

		private final ActiveTransaction transaction;

		private final InboundBranch inbound;

		private Snapshot(ActiveTransaction transaction, InboundBranch inbound) {
			this.transaction = transaction;
			this.inbound = inbound;
		}

		/**
		 * Binds the snapshot on the current thread until the scope is closed.
		 * @return restores what the thread had bound before
		 */
		public Scope apply() {
			Scope transactionScope = swap(TRANSACTION, this.transaction);
			Scope inboundScope = swap(INBOUND, this.inbound);
			return () -> {
				inboundScope.close();
				transactionScope.close();
			};
		}

		public Runnable wrap(Runnable task) {
			return () -> {
				try (Scope scope = apply()) {
					task.run();
				}
			};
		}

		public <V> Callable<V> wrap(Callable<V> task) {
			return () -> {
				try (Scope scope = apply()) {
					return task.call();
				}
			};
		}

	}

}
