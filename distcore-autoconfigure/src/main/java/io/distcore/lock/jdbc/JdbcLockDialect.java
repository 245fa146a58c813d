package io.distcore.lock.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.OptionalLong;

import io.distcore.support.DatabaseProduct;

/**
 * The SQL of one database product for one lock table. Every statement touches one row by primary key, runs
 * auto-committed, and takes every time from the database clock, so the application's clock never matters.
 * Renew and release share one shape across products: parameters (lease millis, name, owner) and (name, owner).
 */
abstract sealed class JdbcLockDialect permits PostgreSqlLockDialect, MariaDbLockDialect, H2LockDialect {

	private final String renewSql;

	private final String releaseSql;

	private final int queryTimeoutSeconds;

	JdbcLockDialect(String renewSql, String releaseSql, int queryTimeoutSeconds) {
		this.renewSql = renewSql;
		this.releaseSql = releaseSql;
		this.queryTimeoutSeconds = queryTimeoutSeconds;
	}

	/**
	 * The dialect for a database product.
	 * @param product detected product
	 * @param table validated table name
	 * @param queryTimeoutSeconds JDBC query timeout of every statement
	 * @return the dialect
	 */
	static JdbcLockDialect forProduct(DatabaseProduct product, String table, int queryTimeoutSeconds) {
		return switch (product) {
			case POSTGRESQL -> new PostgreSqlLockDialect(table, queryTimeoutSeconds);
			case MARIADB -> new MariaDbLockDialect(table, queryTimeoutSeconds);
			case H2 -> new H2LockDialect(table, queryTimeoutSeconds);
		};
	}

	/**
	 * Name of the product family, for logs.
	 * @return the name
	 */
	abstract String name();

	/**
	 * Class-path location, relative to this package, of the DDL creating the table named {@code distcore_lock}.
	 * @return the resource name
	 */
	abstract String schemaResource();

	/**
	 * SQL of "database now plus the milliseconds of one parameter", as this product writes lease ends.
	 * @return the expression
	 */
	abstract String nowPlusMillis();

	/**
	 * SQL creating the {@link LockRowPurge#FLOOR floor row} with token 0 unless it exists; no parameters.
	 * @return the statement
	 */
	abstract String createFloorSql();

	/**
	 * Creates the floor row unless it exists.
	 * @param connection an auto-committing connection
	 * @throws SQLException on a database error
	 */
	final void createFloor(Connection connection) throws SQLException {
		try (PreparedStatement statement = prepare(connection, createFloorSql())) {
			statement.executeUpdate();
		}
	}

	/**
	 * Takes the lock if its row is missing, expired or already held by {@code owner} (the reply to an earlier
	 * acquire was lost), with token = previous token + 1, or the token floor + 1 for a new row.
	 * @param connection an auto-committing connection
	 * @param name lock name
	 * @param owner new holder
	 * @param leaseMillis lease in milliseconds
	 * @return the new token, or empty while another lease runs (including a lost race to create the row)
	 * @throws SQLException on any other database error
	 */
	abstract OptionalLong acquire(Connection connection, String name, String owner, long leaseMillis)
			throws SQLException;

	/**
	 * Passes an unexpired hold of {@code owner} to {@code nextOwner} with token = previous token + 1 and a lease
	 * of {@code leaseMillis} from database now, in one statement on the lock's row, so that no other owner can
	 * take the lock in between.
	 * @param connection an auto-committing connection
	 * @param name lock name
	 * @param owner current holder
	 * @param nextOwner new holder
	 * @param leaseMillis lease of the new hold in milliseconds
	 * @return the new token, or empty if {@code owner} no longer held the lock (nothing changed then)
	 * @throws SQLException on a database error
	 */
	abstract OptionalLong handOver(Connection connection, String name, String owner, String nextOwner,
			long leaseMillis) throws SQLException;

	/**
	 * Prepares a hand-over statement with parameters (next owner, lease millis, name, owner).
	 * @param connection an auto-committing connection
	 * @param sql the statement
	 * @param name lock name
	 * @param owner current holder
	 * @param nextOwner new holder
	 * @param leaseMillis lease in milliseconds
	 * @return the statement, to run and close
	 * @throws SQLException on a database error
	 */
	final PreparedStatement prepareHandOver(Connection connection, String sql, String name, String owner,
			String nextOwner, long leaseMillis) throws SQLException {
		PreparedStatement statement = prepare(connection, sql);
		statement.setString(1, nextOwner);
		statement.setLong(2, leaseMillis);
		statement.setString(3, name);
		statement.setString(4, owner);
		return statement;
	}

	/**
	 * Runs a hand-over statement that returns the new token as its only row, or no row when the owner no longer
	 * held the lock.
	 * @param connection an auto-committing connection
	 * @param sql statement with parameters (next owner, lease millis, name, owner)
	 * @param name lock name
	 * @param owner current holder
	 * @param nextOwner new holder
	 * @param leaseMillis lease in milliseconds
	 * @return the new token, or empty
	 * @throws SQLException on a database error
	 */
	final OptionalLong handOverReturningToken(Connection connection, String sql, String name, String owner,
			String nextOwner, long leaseMillis) throws SQLException {
		try (PreparedStatement statement = prepareHandOver(connection, sql, name, owner, nextOwner, leaseMillis)) {
			return tokenOf(statement);
		}
	}

	/**
	 * Runs a prepared statement whose only row, if any, is the new token.
	 * @param statement the statement
	 * @return the token, or empty without a row
	 * @throws SQLException on a database error
	 */
	static OptionalLong tokenOf(PreparedStatement statement) throws SQLException {
		try (ResultSet result = statement.executeQuery()) {
			return result.next() ? OptionalLong.of(result.getLong(1)) : OptionalLong.empty();
		}
	}

	/**
	 * Extends an unexpired hold of {@code owner} to {@code leaseMillis} from database now.
	 * @param connection an auto-committing connection
	 * @param name lock name
	 * @param owner holder
	 * @param leaseMillis new lease in milliseconds
	 * @return whether {@code owner} held the lock
	 * @throws SQLException on a database error
	 */
	final boolean renew(Connection connection, String name, String owner, long leaseMillis) throws SQLException {
		try (PreparedStatement statement = prepare(connection, this.renewSql)) {
			statement.setLong(1, leaseMillis);
			statement.setString(2, name);
			statement.setString(3, owner);
			return statement.executeUpdate() == 1;
		}
	}

	/**
	 * Ends an unexpired hold of {@code owner}: clears the owner and moves the expiry to database now, keeping
	 * the row and its token.
	 * @param connection an auto-committing connection
	 * @param name lock name
	 * @param owner holder
	 * @return whether {@code owner} held the lock
	 * @throws SQLException on a database error
	 */
	final boolean release(Connection connection, String name, String owner) throws SQLException {
		try (PreparedStatement statement = prepare(connection, this.releaseSql)) {
			statement.setString(1, name);
			statement.setString(2, owner);
			return statement.executeUpdate() == 1;
		}
	}

	/**
	 * Runs an acquire statement that returns the new token as its only row, or no row while the lock is held.
	 * @param connection an auto-committing connection
	 * @param sql statement with parameters (name, owner, lease millis)
	 * @param name lock name
	 * @param owner new holder
	 * @param leaseMillis lease in milliseconds
	 * @return the new token, or empty
	 * @throws SQLException on a database error
	 */
	final OptionalLong acquireReturningToken(Connection connection, String sql, String name, String owner,
			long leaseMillis) throws SQLException {
		try (PreparedStatement statement = prepare(connection, sql)) {
			statement.setString(1, name);
			statement.setString(2, owner);
			statement.setLong(3, leaseMillis);
			return tokenOf(statement);
		}
	}

	final PreparedStatement prepare(Connection connection, String sql) throws SQLException {
		PreparedStatement statement = connection.prepareStatement(sql);
		statement.setQueryTimeout(this.queryTimeoutSeconds);
		return statement;
	}

}
