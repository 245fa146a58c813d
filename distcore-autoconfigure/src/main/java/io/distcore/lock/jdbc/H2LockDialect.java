package io.distcore.lock.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.OptionalLong;

/**
 * H2: acquisition is one {@code MERGE}, read back through a data change delta table.
 */
final class H2LockDialect extends JdbcLockDialect {

	private static final String DUPLICATE_KEY = "23505";

	// Creates the row or takes it over only if its lease ran out, and returns the new token (previous + 1);
	// returns no row while another owner's lease runs. Two sessions creating the same row: one gets 23505.
	private static final String ACQUIRE = """
			SELECT token FROM FINAL TABLE (
				MERGE INTO %s l
				USING (VALUES (CAST(? AS VARCHAR(255)), CAST(? AS VARCHAR(255)),
						DATEADD(MILLISECOND, ?, CURRENT_TIMESTAMP(3)))) s (name, owner, expires_at)
				ON l.name = s.name
				WHEN MATCHED AND l.expires_at <= CURRENT_TIMESTAMP(3) THEN
					UPDATE SET owner = s.owner, token = l.token + 1, expires_at = s.expires_at
				WHEN NOT MATCHED THEN
					INSERT (name, owner, token, expires_at) VALUES (s.name, s.owner, 1, s.expires_at))
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

	H2LockDialect(String table, int queryTimeoutSeconds) {
		super(RENEW.formatted(table), RELEASE.formatted(table), queryTimeoutSeconds);
		this.acquireSql = ACQUIRE.formatted(table);
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

}
