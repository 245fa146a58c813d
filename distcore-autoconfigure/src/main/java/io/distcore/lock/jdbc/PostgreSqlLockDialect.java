package io.distcore.lock.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.OptionalLong;

/**
 * PostgreSQL: acquisition is one upsert, which has no gap locks to deadlock on.
 */
final class PostgreSqlLockDialect extends JdbcLockDialect {

	// Inserts the row with the token floor + 1 or, under the row lock ON CONFLICT takes, overwrites it only if it was
	// released, its lease ran out or this owner holds it already (a lost reply), and returns the new token (previous
	// + 1); returns no row while another owner's lease runs. "Released" is judged by the owner, not the time: the
	// column keeps milliseconds and PostgreSQL rounds to the nearest, so a release stores up to 0.5 ms of future.
	private static final String ACQUIRE = """
			INSERT INTO %1$s AS l (name, owner, token, expires_at)
			VALUES (?, ?, COALESCE((SELECT f.token FROM %1$s f WHERE f.name = ''), 0) + 1,
				clock_timestamp() + ? * INTERVAL '1 millisecond')
			ON CONFLICT (name) DO UPDATE
			SET owner = excluded.owner, token = l.token + 1, expires_at = excluded.expires_at
			WHERE l.owner IS NULL OR l.expires_at <= clock_timestamp() OR l.owner = excluded.owner
			RETURNING token
			""";

	// Passes an unexpired hold of this owner to the next owner with the next token, under the row lock the UPDATE
	// takes; returns no row when the owner no longer holds it.
	private static final String HAND_OVER = """
			UPDATE %s SET owner = ?, token = token + 1, expires_at = clock_timestamp() + ? * INTERVAL '1 millisecond'
			WHERE name = ? AND owner = ? AND expires_at > clock_timestamp()
			RETURNING token
			""";

	private static final String CREATE_FLOOR = """
			INSERT INTO %s (name, owner, token, expires_at) VALUES ('', NULL, 0, clock_timestamp())
			ON CONFLICT (name) DO NOTHING
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

	private final String createFloorSql;

	private final String handOverSql;

	PostgreSqlLockDialect(String table, int queryTimeoutSeconds) {
		super(RENEW.formatted(table), RELEASE.formatted(table), queryTimeoutSeconds);
		this.acquireSql = ACQUIRE.formatted(table);
		this.createFloorSql = CREATE_FLOOR.formatted(table);
		this.handOverSql = HAND_OVER.formatted(table);
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
	String nowPlusMillis() {
		return "clock_timestamp() + ? * INTERVAL '1 millisecond'";
	}

	@Override
	String createFloorSql() {
		return this.createFloorSql;
	}

	@Override
	OptionalLong acquire(Connection connection, String name, String owner, long leaseMillis) throws SQLException {
		return acquireReturningToken(connection, this.acquireSql, name, owner, leaseMillis);
	}

	@Override
	OptionalLong handOver(Connection connection, String name, String owner, String nextOwner, long leaseMillis)
			throws SQLException {
		return handOverReturningToken(connection, this.handOverSql, name, owner, nextOwner, leaseMillis);
	}

}
