package io.distcore.lock.jdbc;

import io.distcore.lock.LockBackendUnavailableException;

/**
 * The table of the JDBC lock backend does not exist. Raised by the first lock when the backend may not create the
 * table, and by {@link JdbcLockBackend#check()}, which reports a table that the first lock would create as missing
 * too ({@link #createdAtFirstUse()}). Its message names the table, the database and the ways to create it.
 */
public final class LockTableMissingException extends LockBackendUnavailableException {

	private final String table;

	private final String database;

	private final String schemaResource;

	private final boolean createdAtFirstUse;

	LockTableMissingException(String table, String database, String schemaResource, boolean createdAtFirstUse,
			Throwable cause) {
		super(message(table, database, schemaResource, createdAtFirstUse), cause);
		this.table = table;
		this.database = database;
		this.schemaResource = schemaResource;
		this.createdAtFirstUse = createdAtFirstUse;
	}

	private static String message(String table, String database, String schemaResource, boolean createdAtFirstUse) {
		String missing = "Lock table '" + table + "' does not exist in " + database;
		if (createdAtFirstUse) {
			return missing + "; the first lock creates it (distcore.lock.jdbc.initialize-schema)";
		}
		return missing + ": set distcore.lock.jdbc.initialize-schema=always to have the first lock create it, or "
				+ "create it with classpath:" + schemaResource + " (with distcore_lock replaced by its name)";
	}

	/**
	 * The table, as configured.
	 * @return the table name, possibly schema-qualified
	 */
	public String table() {
		return this.table;
	}

	/**
	 * The database the table was looked for in: its JDBC URL without parameters, or a placeholder when the
	 * driver would not tell.
	 * @return a description of the database
	 */
	public String database() {
		return this.database;
	}

	/**
	 * The class-path location of the DDL for the database's product, which creates a table named
	 * {@code distcore_lock}.
	 * @return the resource path, such as {@code io/distcore/lock/jdbc/schema-postgresql.sql}
	 */
	public String schemaResource() {
		return this.schemaResource;
	}

	/**
	 * Whether the backend creates the table at the first lock, so that the table is missing only until then.
	 * @return {@code true} if the first lock creates it
	 */
	public boolean createdAtFirstUse() {
		return this.createdAtFirstUse;
	}

}
