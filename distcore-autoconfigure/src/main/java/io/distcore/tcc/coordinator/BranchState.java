package io.distcore.tcc.coordinator;

/**
 * States of a branch in the coordinator's log.
 */
public enum BranchState {

	/** Recorded before its try was sent; phase two has not completed yet. */
	ENLISTED,

	/** Its confirm completed. */
	CONFIRMED,

	/** Its cancel completed. */
	CANCELLED

}
