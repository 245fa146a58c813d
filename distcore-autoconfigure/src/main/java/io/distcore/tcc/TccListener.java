package io.distcore.tcc;

import java.time.Duration;

/**
 * Hears what the embedded coordinator does, for metrics, logs or alerts. Methods run on the thread that caused the
 * event (the initiating thread or the recovery thread) and must not block; an exception is logged and never
 * changes the transaction.
 */
public interface TccListener {

	/**
	 * A global transaction reached a final state of this coordinator's work on it.
	 * @param name transaction name
	 * @param outcome what it ended as
	 * @param duration from its creation to now
	 */
	default void finished(String name, Outcome outcome, Duration duration) {
	}

	/**
	 * A phase-two delivery failed and the transaction is retried later.
	 * @param name transaction name
	 */
	default void phaseTwoRetried(String name) {
	}

	/**
	 * A recovery run ended.
	 * @param worked how many transactions it worked on
	 */
	default void recoveryRan(int worked) {
	}

	/** How a transaction ended. */
	enum Outcome {

		/** Every branch confirmed. */
		CONFIRMED,

		/** Every branch cancelled. */
		CANCELLED,

		/** Confirm did not finish within the retry time: a person must look. */
		CONFIRM_FAILED,

		/** Cancel did not finish within the retry time: a person must look. */
		CANCEL_FAILED

	}

}
