package io.distcore.lock.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * The statements that delete rows of locks nobody held for a while, so that one lock per order id does not grow
 * the table forever, without letting fencing tokens go back: a lock whose row is gone starts again at the token
 * of the floor row (the empty name, which no lock has) plus one, and the floor is raised to the largest token in
 * the table before rows under it are deleted. Every statement reads without locking or touches one row by primary
 * key, so a purge never blocks the table.
 */
final class LockRowPurge {

	/** Name of the floor row; lock names are never empty. */
	static final String FLOOR = "";

	private final JdbcLockDialect dialect;

	private final String largestTokenSql;

	private final String raiseFloorSql;

	private final String floorSql;

	private final String candidatesSql;

	private final String deleteSql;

	LockRowPurge(JdbcLockDialect dialect, String table) {
		this.dialect = dialect;
		this.largestTokenSql = "SELECT COALESCE(MAX(token), 0) FROM " + table;
		this.raiseFloorSql = "UPDATE " + table + " SET token = ? WHERE name = '' AND token < ?";
		this.floorSql = "SELECT token FROM " + table + " WHERE name = ''";
		this.candidatesSql = "SELECT name FROM " + table + " WHERE name <> '' AND token <= ? AND expires_at < "
				+ dialect.nowPlusMillis() + " LIMIT ?";
		this.deleteSql = "DELETE FROM " + table + " WHERE name = ? AND token <= ? AND expires_at < "
				+ dialect.nowPlusMillis();
	}

	/**
	 * Raises the floor to the largest token in the table.
	 * @param connection an auto-committing connection
	 * @return the floor now: every row with a token up to it may go once no acquire that read an older floor is
	 * still running
	 * @throws SQLException on a database error
	 */
	long raiseFloor(Connection connection) throws SQLException {
		this.dialect.createFloor(connection);
		long largest;
		try (PreparedStatement statement = this.dialect.prepare(connection, this.largestTokenSql);
				ResultSet result = statement.executeQuery()) {
			result.next();
			largest = result.getLong(1);
		}
		try (PreparedStatement statement = this.dialect.prepare(connection, this.raiseFloorSql)) {
			statement.setLong(1, largest);
			statement.setLong(2, largest);
			statement.executeUpdate();
		}
		try (PreparedStatement statement = this.dialect.prepare(connection, this.floorSql);
				ResultSet result = statement.executeQuery()) {
			result.next();
			return result.getLong(1);
		}
	}

	/**
	 * Deletes up to {@code batchSize} rows with a token up to {@code floor} whose lease ended (released or expired)
	 * more than {@code retentionMillis} ago; each row's conditions are checked again as it is deleted, so a lock
	 * taken meanwhile keeps its row.
	 * @param connection an auto-committing connection
	 * @param floor a floor {@link #raiseFloor raised} long enough ago
	 * @param retentionMillis how long a row stays after its lease ended
	 * @param batchSize most rows to delete
	 * @return how many rows were deleted, counting a row the driver reports no count for as deleted
	 * @throws SQLException on a database error
	 */
	int deleteBatch(Connection connection, long floor, long retentionMillis, int batchSize) throws SQLException {
		List<String> names = new ArrayList<>();
		try (PreparedStatement statement = this.dialect.prepare(connection, this.candidatesSql)) {
			statement.setLong(1, floor);
			statement.setLong(2, -retentionMillis);
			statement.setInt(3, batchSize);
			try (ResultSet result = statement.executeQuery()) {
				while (result.next()) {
					names.add(result.getString(1));
				}
			}
		}
		if (names.isEmpty()) {
			return 0;
		}
		int deleted = 0;
		try (PreparedStatement statement = this.dialect.prepare(connection, this.deleteSql)) {
			for (String name : names) {
				statement.setString(1, name);
				statement.setLong(2, floor);
				statement.setLong(3, -retentionMillis);
				statement.addBatch();
			}
			for (int count : statement.executeBatch()) {
				// A driver may report success without a count: the candidate was there a moment ago.
				deleted += (count == Statement.SUCCESS_NO_INFO) ? 1 : Math.max(count, 0);
			}
		}
		return deleted;
	}

}
