package io.distcore.id.segment.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import io.distcore.id.SegmentUnavailableException;
import io.distcore.id.segment.Segment;
import io.distcore.id.segment.SegmentSource;
import io.distcore.support.AutoCommitJdbc;
import io.distcore.support.DatabaseProduct;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.util.Assert;

/**
 * Segments from one row per tag in a table of the application's database (PostgreSQL, MariaDB/MySQL or H2,
 * detected at first use). A segment is reserved by one auto-committed statement that raises {@code max_id} by the
 * step and reads the new value back ({@code UPDATE ... RETURNING} on PostgreSQL, a data change delta table on H2,
 * {@code LAST_INSERT_ID(expr)} on MariaDB/MySQL, which the same session reads back), so the row lock alone
 * serializes concurrent reservations and no transaction ever holds one lock while waiting for another. A
 * missing row is inserted at 0 first, ignoring a row a concurrent process inserted meanwhile. Statements run
 * outside any transaction of the caller. An unreachable database raises {@link SegmentUnavailableException}
 * after the pool's connection timeout, or the query timeout of a statement that does not answer.
 * <p>
 * The table is created by {@link #createSchema()}, from the {@code schema-*.sql} resources of this package, or by
 * the source itself at the first segment when it was made
 * {@link #JdbcSegmentSource(DataSource, String, Duration, BooleanSupplier) to do so}: the database is not
 * contacted before the first segment.
 */
public final class JdbcSegmentSource implements SegmentSource {

	/** Width of the tag column. */
	public static final int MAX_TAG_LENGTH = 128;

	private static final Log logger = LogFactory.getLog(JdbcSegmentSource.class);

	private static final String DEFAULT_TABLE_NAME = "distcore_id_segment";

	private static final String DUPLICATE_KEY = "23505";

	// Raises the counter and returns its new value in one statement (parameters: step, step, tag).
	private static final String POSTGRESQL_RESERVE = """
			UPDATE %s SET max_id = max_id + ?, step = ?, updated_at = CURRENT_TIMESTAMP WHERE tag = ?
			RETURNING max_id
			""";

	// Creates the counter of a new tag at 0, doing nothing if another process created it first (tag, step).
	private static final String POSTGRESQL_CREATE = """
			INSERT INTO %s (tag, max_id, step, updated_at) VALUES (?, 0, ?, CURRENT_TIMESTAMP)
			ON CONFLICT (tag) DO NOTHING
			""";

	// Raises the counter; LAST_INSERT_ID(expr) keeps the new value for this session to read (step, step, tag).
	private static final String MARIADB_RESERVE = """
			UPDATE %s SET max_id = LAST_INSERT_ID(max_id + ?), step = ?, updated_at = CURRENT_TIMESTAMP WHERE tag = ?
			""";

	// Creates the counter of a new tag at 0; IGNORE turns a row created concurrently into no row (tag, step).
	private static final String MARIADB_CREATE = """
			INSERT IGNORE INTO %s (tag, max_id, step, updated_at) VALUES (?, 0, ?, CURRENT_TIMESTAMP)
			""";

	// Raises the counter and returns its new value in one statement (step, step, tag).
	private static final String H2_RESERVE = """
			SELECT max_id FROM FINAL TABLE (
				UPDATE %s SET max_id = max_id + ?, step = ?, updated_at = CURRENT_TIMESTAMP WHERE tag = ?)
			""";

	// Creates the counter of a new tag at 0; a row created concurrently fails with 23505, which is ignored.
	private static final String H2_CREATE = """
			INSERT INTO %s (tag, max_id, step, updated_at) VALUES (?, 0, ?, CURRENT_TIMESTAMP)
			""";

	private final AutoCommitJdbc jdbc;

	private final String tableName;

	private final int queryTimeoutSeconds;

	private final BooleanSupplier createSchema;

	/** Held while the table is created at first use, so that two tags do not run the DDL at once. */
	private final Object schemaMonitor = new Object();

	/** Whether the table is known to exist: created here, or a segment was reserved. */
	private volatile boolean schemaReady;

	/**
	 * Creates a source that leaves the table to the application; nothing is read from the database until the
	 * first call.
	 * @param dataSource the application's database
	 * @param tableName segment table, an identifier optionally qualified by a schema (see
	 * {@link AutoCommitJdbc#isValidTableName})
	 * @param queryTimeout longest time one statement may run, at least one second (JDBC counts whole seconds)
	 */
	public JdbcSegmentSource(DataSource dataSource, String tableName, Duration queryTimeout) {
		this(dataSource, tableName, queryTimeout, () -> false);
	}

	/**
	 * Creates a source that may create its table at the first segment; nothing is read from the database until
	 * the first call.
	 * @param dataSource the application's database
	 * @param tableName segment table, an identifier optionally qualified by a schema (see
	 * {@link AutoCommitJdbc#isValidTableName})
	 * @param queryTimeout longest time one statement may run, at least one second (JDBC counts whole seconds)
	 * @param createSchema asked at the first segment, once the database answered (so it may look at the database,
	 * such as whether it is embedded), whether to {@link #createSchema() create the table}; asked again for every
	 * segment until the table was created or a segment was reserved, so a database that was down or refused the
	 * DDL is tried again
	 */
	public JdbcSegmentSource(DataSource dataSource, String tableName, Duration queryTimeout,
			BooleanSupplier createSchema) {
		Assert.notNull(dataSource, "DataSource must not be null");
		Assert.isTrue(AutoCommitJdbc.isValidTableName(tableName),
				() -> "Table name must be an identifier of letters, digits and '_', optionally schema-qualified, was '"
						+ tableName + "'");
		Assert.isTrue(queryTimeout != null && queryTimeout.compareTo(Duration.ofSeconds(1)) >= 0,
				() -> "Query timeout must be at least 1s, was " + queryTimeout);
		this.jdbc = new AutoCommitJdbc(dataSource);
		this.tableName = tableName;
		Assert.notNull(createSchema, "CreateSchema must not be null");
		this.queryTimeoutSeconds = (int) Math.min(Integer.MAX_VALUE, queryTimeout.plusNanos(999_999_999).getSeconds());
		this.createSchema = createSchema;
	}

	@Override
	public Segment next(String tag, long step) {
		Assert.isTrue(tag != null && !tag.isEmpty() && tag.length() <= MAX_TAG_LENGTH,
				() -> "Tag must have 1 to " + MAX_TAG_LENGTH + " characters, was '" + tag + "'");
		Assert.isTrue(step >= 1, () -> "Step must be at least 1, was " + step);
		try {
			DatabaseProduct product = this.jdbc.product();
			if (!this.schemaReady) {
				createSchemaIfAsked();
			}
			long maxId = this.jdbc.execute((connection) -> {
				Long reserved = reserve(product, connection, tag, step);
				if (reserved != null) {
					return reserved;
				}
				create(product, connection, tag, step);
				reserved = reserve(product, connection, tag, step);
				Assert.state(reserved != null, () -> "Row of tag '" + tag + "' vanished right after it was created");
				return reserved;
			});
			this.schemaReady = true;
			return Segment.endingAt(maxId, step);
		}
		catch (DataAccessException ex) {
			throw new SegmentUnavailableException("Could not reserve an id segment of tag '" + tag + "' in table '"
					+ this.tableName + "': " + ex.getMostSpecificCause().getMessage(), ex);
		}
	}

	/**
	 * Creates the segment table if it does not exist, with the DDL of the detected database. Safe to call at
	 * every startup.
	 * @throws SegmentUnavailableException if the database cannot be reached or refuses the DDL
	 */
	public void createSchema() {
		try {
			DatabaseProduct product = this.jdbc.product();
			String ddl = AutoCommitJdbc.loadScript(JdbcSegmentSource.class, "schema-" + product.id() + ".sql")
				.replace(DEFAULT_TABLE_NAME, this.tableName);
			this.jdbc.execute((connection) -> {
				try (Statement statement = connection.createStatement()) {
					statement.setQueryTimeout(this.queryTimeoutSeconds);
					return statement.execute(ddl);
				}
			});
			this.schemaReady = true;
			logger.info("Id segment table '" + this.tableName + "' is ready (" + product + ")");
		}
		catch (DataAccessException ex) {
			throw new SegmentUnavailableException("Could not create the id segment table '" + this.tableName + "': "
					+ ex.getMostSpecificCause().getMessage(), ex);
		}
	}

	/** Called once the database answered, so the decision may ask it (such as whether it is embedded). */
	private void createSchemaIfAsked() {
		synchronized (this.schemaMonitor) {
			if (!this.schemaReady && this.createSchema.getAsBoolean()) {
				createSchema();
			}
		}
	}

	/** The new max_id, or {@code null} when the tag has no row yet. */
	private Long reserve(DatabaseProduct product, Connection connection, String tag, long step) throws SQLException {
		String sql = switch (product) {
			case POSTGRESQL -> POSTGRESQL_RESERVE;
			case MARIADB -> MARIADB_RESERVE;
			case H2 -> H2_RESERVE;
		};
		try (PreparedStatement statement = prepare(connection, sql)) {
			statement.setLong(1, step);
			statement.setLong(2, step);
			statement.setString(3, tag);
			if (product == DatabaseProduct.MARIADB) {
				return (statement.executeUpdate() == 1) ? lastInsertId(connection) : null;
			}
			try (ResultSet result = statement.executeQuery()) {
				return result.next() ? result.getLong(1) : null;
			}
		}
	}

	private void create(DatabaseProduct product, Connection connection, String tag, long step) throws SQLException {
		String sql = switch (product) {
			case POSTGRESQL -> POSTGRESQL_CREATE;
			case MARIADB -> MARIADB_CREATE;
			case H2 -> H2_CREATE;
		};
		try (PreparedStatement statement = prepare(connection, sql)) {
			statement.setString(1, tag);
			statement.setLong(2, step);
			statement.executeUpdate();
		}
		catch (SQLException ex) {
			if (product != DatabaseProduct.H2 || !DUPLICATE_KEY.equals(ex.getSQLState())) {
				throw ex;
			}
		}
	}

	private PreparedStatement prepare(Connection connection, String sql) throws SQLException {
		PreparedStatement statement = connection.prepareStatement(sql.formatted(this.tableName));
		statement.setQueryTimeout(this.queryTimeoutSeconds);
		return statement;
	}

	private long lastInsertId(Connection connection) throws SQLException {
		try (Statement statement = connection.createStatement();
				ResultSet result = statement.executeQuery("SELECT LAST_INSERT_ID()")) {
			result.next();
			return result.getLong(1);
		}
	}

	@Override
	public String toString() {
		return "table '" + this.tableName + "'";
	}

}
