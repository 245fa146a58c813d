package io.distcore.tcc.coordinator;

/**
 * States of a global transaction in the coordinator's log.
 */
public enum TransactionState {

	/** The initiating method runs; branches are enlisted. Cancelled by recovery once past its timeout. */
	TRYING,

	/** The method returned: every branch is being confirmed. */
	CONFIRMING,

	/** The method threw, or the try timed out: every branch is being cancelled. */
	CANCELLING,

	/** Every branch confirmed. */
	CONFIRMED,

	/** Every branch cancelled. */
	CANCELLED,

	/** Confirming did not succeed within {@code distcore.tcc.max-retry-time}: needs a person, not retried. */
	CONFIRM_FAILED,

	/** Cancelling did not succeed within {@code distcore.tcc.max-retry-time}: needs a person, not retried. */
	CANCEL_FAILED;

	/**
	 * Whether nothing more happens to the transaction by itself.
	 * @return {@code true} for the finished and the failed states
	 */
	public boolean isTerminal() {
		return this != TRYING && this != CONFIRMING && this != CANCELLING;
	}

}
