package io.distcore.lock.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.util.OptionalLong;

/**
 * MariaDB and MySQL. No upsert here: {@code INSERT ... ON DUPLICATE KEY UPDATE} takes next-key locks that
 * deadlock under REPEATABLE READ. Instead a primary-key {@code UPDATE} takes over an expired row and, only when
 * that changed nothing, an {@code INSERT IGNORE} creates a missing one; each statement commits on its own, so no
 * transaction ever holds one lock while waiting for another. {@code IGNORE} turns the duplicate key of a held
 * lock into "no row" instead of an error that drivers log at every poll; it cannot hide anything else because
 * every value is checked before (lengths) or computed by the database. Times are UTC so that sessions in
 * different time zones agree.
 */
final class MariaDbLockDialect extends JdbcLockDialect {

	// Takes over the row only if its lease ran out or this owner holds it already (a lost reply);
	// LAST_INSERT_ID(expr) remembers the new token for this session.
	private static final String TAKE_OVER = """
			UPDATE %s SET owner = ?, token = LAST_INSERT_ID(token + 1),
			expires_at = UTC_TIMESTAMP(3) + INTERVAL ? * 1000 MICROSECOND
			WHERE name = ? AND (owner IS NULL OR expires_at <= UTC_TIMESTAMP(3) OR owner = ?)
			""";

	// Creates the row of a lock not taken before (or purged) with the token floor + 1, remembered by LAST_INSERT_ID;
	// no row inserted means the row exists (held, or created by a concurrent owner first). The floor row is read
	// with a shared lock on that one record, which is why it is created first: a missing one would make it a gap
	// lock.
	private static final String CREATE = """
			INSERT IGNORE INTO %1$s (name, owner, token, expires_at)
			SELECT ?, ?, LAST_INSERT_ID(COALESCE(MAX(f.token), 0) + 1), UTC_TIMESTAMP(3) + INTERVAL ? * 1000 MICROSECOND
			FROM %1$s f WHERE f.name = ''
			""";

	// Passes an unexpired hold of this owner to the next owner; LAST_INSERT_ID(expr) remembers the new token for
	// this session and puts it into the statement's reply (MariaDB has no UPDATE ... RETURNING).
	private static final String HAND_OVER = """
			UPDATE %s SET owner = ?, token = LAST_INSERT_ID(token + 1),
			expires_at = UTC_TIMESTAMP(3) + INTERVAL ? * 1000 MICROSECOND
			WHERE name = ? AND owner = ? AND expires_at > UTC_TIMESTAMP(3)
			""";

	private static final String CREATE_FLOOR = """
			INSERT IGNORE INTO %s (name, owner, token, expires_at) VALUES ('', NULL, 0, UTC_TIMESTAMP(3))
			""";

	// Moves the expiry of an unexpired hold of this owner to database now + lease.
	private static final String RENEW = """
			UPDATE %s SET expires_at = UTC_TIMESTAMP(3) + INTERVAL ? * 1000 MICROSECOND
			WHERE name = ? AND owner = ? AND expires_at > UTC_TIMESTAMP(3)
			""";

	// Ends an unexpired hold of this owner, keeping the row so that the next token continues from it.
	private static final String RELEASE = """
			UPDATE %s SET owner = NULL, expires_at = UTC_TIMESTAMP(3)
			WHERE name = ? AND owner = ? AND expires_at > UTC_TIMESTAMP(3)
			""";

	private final String takeOverSql;

	private final String createSql;

	private final String createFloorSql;

	private final String handOverSql;

	private volatile boolean floorCreated;

	MariaDbLockDialect(String table, int queryTimeoutSeconds) {
		super(RENEW.formatted(table), RELEASE.formatted(table), queryTimeoutSeconds);
		this.takeOverSql = TAKE_OVER.formatted(table);
		this.createSql = CREATE.formatted(table);
		this.createFloorSql = CREATE_FLOOR.formatted(table);
		this.handOverSql = HAND_OVER.formatted(table);
	}

	@Override
	String name() {
		return "MariaDB/MySQL";
	}

	@Override
	String schemaResource() {
		return "schema-mariadb.sql";
	}

	@Override
	String nowPlusMillis() {
		return "UTC_TIMESTAMP(3) + INTERVAL ? * 1000 MICROSECOND";
	}

	@Override
	String createFloorSql() {
		return this.createFloorSql;
	}

	@Override
	OptionalLong acquire(Connection connection, String name, String owner, long leaseMillis) throws SQLException {
		try (PreparedStatement takeOver = prepare(connection, this.takeOverSql, Statement.RETURN_GENERATED_KEYS)) {
			takeOver.setString(1, owner);
			takeOver.setLong(2, leaseMillis);
			takeOver.setString(3, name);
			takeOver.setString(4, owner);
			if (takeOver.executeUpdate() == 1) {
				return OptionalLong.of(newToken(takeOver, connection));
			}
		}
		if (!this.floorCreated) {
			createFloor(connection);
			this.floorCreated = true;
		}
		try (PreparedStatement create = prepare(connection, this.createSql)) {
			create.setString(1, name);
			create.setString(2, owner);
			create.setLong(3, leaseMillis);
			return (create.executeUpdate() == 1) ? OptionalLong.of(lastInsertId(connection)) : OptionalLong.empty();
		}
	}

	@Override
	OptionalLong handOver(Connection connection, String name, String owner, String nextOwner, long leaseMillis)
			throws SQLException {
		try (PreparedStatement statement = prepareHandOver(connection, this.handOverSql,
				Statement.RETURN_GENERATED_KEYS, name, owner, nextOwner, leaseMillis)) {
			return (statement.executeUpdate() == 1) ? OptionalLong.of(newToken(statement, connection))
					: OptionalLong.empty();
		}
	}

	/**
	 * The token an {@code UPDATE} set with {@code LAST_INSERT_ID(expr)}. The server sends that value in the
	 * statement's OK packet, which MariaDB Connector/J reports as the generated key: no second round trip. A driver
	 * that reports none (or cannot) gets it from {@code SELECT LAST_INSERT_ID()} on the same connection.
	 */
	private long newToken(PreparedStatement statement, Connection connection) throws SQLException {
		try (ResultSet keys = statement.getGeneratedKeys()) {
			if (keys.next()) {
				long token = keys.getLong(1);
				if (token > 0) {
					return token;
				}
			}
		}
		catch (SQLFeatureNotSupportedException ex) {
			// Read it with a statement of its own below.
		}
		return lastInsertId(connection);
	}

	private long lastInsertId(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT LAST_INSERT_ID()")) {
			result.next();
			return result.getLong(1);
		}
	}

}
