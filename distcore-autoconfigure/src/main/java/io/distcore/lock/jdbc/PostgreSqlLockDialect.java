package io.distcore.lock.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.OptionalLong;

/**
 * PostgreSQL: acquisition is one upsert, which has no gap locks to deadlock on.
 */
final class PostgreSqlLockDialect extends JdbcLockDialect {

	// Inserts the row or, under the row lock ON CONFLICT takes, overwrites it only if its lease ran out, and
	// returns the new token (previous + 1); returns no row while another owner's lease runs.
	private static final String ACQUIRE = """
			INSERT INTO %s AS l (name, owner, token, expires_at)
			VALUES (?, ?, 1, clock_timestamp() + ? * INTERVAL '1 millisecond')
			ON CONFLICT (name) DO UPDATE
			SET owner = excluded.owner, token = l.token + 1, expires_at = excluded.expires_at
			WHERE l.expires_at <= clock_timestamp()
			RETURNING token
			""";

	// Moves the expiry of an unexpired hold of this owner to database now + lease.
	private static final String RENEW = """
			UPDATE %s SET expires_at = clock_timestamp() + ? * INTERVAL '1 millisecond'
			WHERE name = ? AND owner = ? AND expires_at > clock_timestamp()
			""";

	// Ends an unexpired hold of this owner, keeping the row so that the next token continues from it.
	private static final String RELEASE = """
			UPDATE %s SET owner = NULL, expires_at = clock_timestamp()
			WHERE name = ? AND owner = ? AND expires_at > clock_timestamp()
			""";

	private final String acquireSql;

	PostgreSqlLockDialect(String table, int queryTimeoutSeconds) {
		super(RENEW.formatted(table), RELEASE.formatted(table), queryTimeoutSeconds);
		this.acquireSql = ACQUIRE.formatted(table);
	}

	@Override
	String name() {
		return "PostgreSQL";
	}

	@Override
	String schemaResource() {
		return "schema-postgresql.sql";
	}

	@Override
	OptionalLong acquire(Connection connection, String name, String owner, long leaseMillis) throws SQLException {
		return acquireReturningToken(connection, this.acquireSql, name, owner, leaseMillis);
	}

}
