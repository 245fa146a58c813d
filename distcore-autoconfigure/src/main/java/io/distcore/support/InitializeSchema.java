package io.distcore.support;

/**
 * When a database-backed component creates its tables at startup.
 */
public enum InitializeSchema {

	/** At every startup, if they do not exist yet. */
	ALWAYS,

	/** Only for embedded databases such as H2. */
	EMBEDDED,

	/** Never: the schema is managed elsewhere. */
	NEVER

}
