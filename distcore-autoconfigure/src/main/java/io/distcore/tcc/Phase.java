package io.distcore.tcc;

/**
 * The three phases of a TCC branch.
 */
public enum Phase {

	/** Reserve the resources. */
	TRY,

	/** Use what the try reserved. */
	CONFIRM,

	/** Release what the try reserved (or nothing, if the try never ran). */
	CANCEL

}
