package io.distcore.tcc.participant;

import io.distcore.tcc.TccTryRefusedException;

/**
 * Runs the try of a {@link io.distcore.tcc.TccAction} as a branch, for the advice; {@link JdbcTccParticipant} is the
 * implementation.
 */
public interface TccTryRunner {

	/**
	 * Runs a try as branch {@code branchId} of {@code xid}, in a local transaction with its barrier row.
	 * @param action the action
	 * @param xid the global transaction id
	 * @param branchId the branch id
	 * @param arguments the try's arguments
	 * @param business the try's business code
	 * @return what the business code returned
	 * @throws TccTryRefusedException if the branch was cancelled before its try arrived; the business code did not
	 * run
	 * @throws io.distcore.tcc.TccDuplicateTryException if the branch's try had already run (a repeated delivery); the
	 * business code did not run again, and the caller must cancel the transaction
	 * @throws Throwable what the business code threw; nothing was stored
	 */
	Object runTry(TccActionDefinition action, String xid, String branchId, Object[] arguments, Business business)
			throws Throwable;

	/**
	 * Code run inside a phase's local transaction.
	 */
	@FunctionalInterface
	interface Business {

		/**
		 * Runs the code.
		 * @return its result
		 * @throws Throwable whatever it throws
		 */
		Object run() throws Throwable;

	}

}
