package io.distcore.lock.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.OptionalLong;

/**
 * H2: acquisition is one {@code MERGE}, read back through a data change delta table.
 */
final class H2LockDialect extends JdbcLockDialect {

	private static final String DUPLICATE_KEY = "23505";

	// Creates the row with the token floor + 1, or takes it over only if its lease ran out or this owner holds it
	// already (a lost reply), and returns the new token (previous + 1); returns no row while another owner's lease
	// runs. Two sessions creating the same row: one gets 23505.
	private static final String ACQUIRE = """
			SELECT token FROM FINAL TABLE (
				MERGE INTO %1$s l
				USING (VALUES (CAST(? AS VARCHAR(255)), CAST(? AS VARCHAR(255)),
						DATEADD(MILLISECOND, ?, CURRENT_TIMESTAMP(3)))) s (name, owner, expires_at)
				ON l.name = s.name
				WHEN MATCHED AND (l.owner IS NULL OR l.expires_at <= CURRENT_TIMESTAMP(3) OR l.owner = s.owner) THEN
					UPDATE SET owner = s.owner, token = l.token + 1, expires_at = s.expires_at
				WHEN NOT MATCHED THEN
					INSERT (name, owner, token, expires_at) VALUES (s.name, s.owner,
						COALESCE((SELECT f.token FROM %1$s f WHERE f.name = ''), 0) + 1, s.expires_at))
			""";

	// Passes an unexpired hold of this owner to the next owner with the next token, read back through the delta
	// table; returns no row when the owner no longer holds it.
	private static final String HAND_OVER = """
			SELECT token FROM FINAL TABLE (
				UPDATE %s SET owner = ?, token = token + 1, expires_at = DATEADD(MILLISECOND, ?, CURRENT_TIMESTAMP(3))
				WHERE name = ? AND owner = ? AND expires_at > CURRENT_TIMESTAMP(3))
			""";

	private static final String CREATE_FLOOR = """
			MERGE INTO %s l USING (VALUES ('')) s (name) ON l.name = s.name
			WHEN NOT MATCHED THEN INSERT (name, owner, token, expires_at) VALUES ('', NULL, 0, CURRENT_TIMESTAMP(3))
			""";

	// Moves the expiry of an unexpired hold of this owner to database now + lease.
	private static final String RENEW = """
			UPDATE %s SET expires_at = DATEADD(MILLISECOND, ?, CURRENT_TIMESTAMP(3))
			WHERE name = ? AND owner = ? AND expires_at > CURRENT_TIMESTAMP(3)
			""";

	// Ends an unexpired hold of this owner, keeping the row so that the next token continues from it.
	private static final String RELEASE = """
			UPDATE %s SET owner = NULL, expires_at = CURRENT_TIMESTAMP(3)
			WHERE name = ? AND owner = ? AND expires_at > CURRENT_TIMESTAMP(3)
			""";

	private final String acquireSql;

	private final String createFloorSql;

	private final String handOverSql;

	H2LockDialect(String table, int queryTimeoutSeconds) {
		super(RENEW.formatted(table), RELEASE.formatted(table), queryTimeoutSeconds);
		this.acquireSql = ACQUIRE.formatted(table);
		this.createFloorSql = CREATE_FLOOR.formatted(table);
		this.handOverSql = HAND_OVER.formatted(table);
	}

	@Override
	String name() {
		return "H2";
	}

	@Override
	String schemaResource() {
		return "schema-h2.sql";
	}

	@Override
	String nowPlusMillis() {
		return "DATEADD(MILLISECOND, ?, CURRENT_TIMESTAMP(3))";
	}

	@Override
	String createFloorSql() {
		return this.createFloorSql;
	}

	@Override
	OptionalLong acquire(Connection connection, String name, String owner, long leaseMillis) throws SQLException {
		try {
			return acquireReturningToken(connection, this.acquireSql, name, owner, leaseMillis);
		}
		catch (SQLException ex) {
			if (DUPLICATE_KEY.equals(ex.getSQLState())) {
				return OptionalLong.empty();
			}
			throw ex;
		}
	}

	@Override
	OptionalLong handOver(Connection connection, String name, String owner, String nextOwner, long leaseMillis)
			throws SQLException {
		return handOverReturningToken(connection, this.handOverSql, name, owner, nextOwner, leaseMillis);
	}

}
