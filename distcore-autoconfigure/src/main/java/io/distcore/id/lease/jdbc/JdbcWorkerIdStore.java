package io.distcore.id.lease.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import io.distcore.id.lease.WorkerIdLeaseException;
import io.distcore.id.lease.WorkerIdStore;
import io.distcore.support.AutoCommitJdbc;
import io.distcore.support.DatabaseProduct;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.util.Assert;

/**
 * Worker id leases as rows of one table (PostgreSQL, MariaDB/MySQL or H2, detected from the driver's product
 * name at first use): slot (primary key), owner, expires_at and last_timestamp. The rows of all slots are
 * created once, idempotently; afterwards every claim, renewal and release is one auto-committed conditional
 * {@code UPDATE} of one row by primary key, so two processes can never both take a slot, and expiry is judged by
 * the database clock only. A claim first reads which slots look free, then tries them from a random one on:
 * the read is only a hint, the update decides.
 * <p>
 * Statements run on connections of their own, outside any transaction of the caller. The table is created by
 * {@link #createSchema()}, from the {@code schema-*.sql} resources of this package, or by the store itself at the
 * first claim when it was made {@link #JdbcWorkerIdStore(DataSource, String, BooleanSupplier) to do so}: the
 * database is not contacted before the first claim.
 */
public final class JdbcWorkerIdStore implements WorkerIdStore {

	private static final Log logger = LogFactory.getLog(JdbcWorkerIdStore.class);

	private static final String DEFAULT_TABLE_NAME = "distcore_worker_lease";

	private static final String DUPLICATE_KEY_CLASS = "23";

	private static final int QUERY_TIMEOUT_SECONDS = 5;

	// %1$s table, %2$s database now, %3$s database now plus ? milliseconds. A slot is free without an owner or
	// once its lease ran out; only the update that finds it free takes it.
	private static final String FREE_SLOTS = "SELECT slot FROM %1$s WHERE slot < ? AND (owner IS NULL OR expires_at <= %2$s)";

	private static final String TAKE = """
			UPDATE %1$s SET owner = ?, expires_at = %3$s
			WHERE slot = ? AND (owner IS NULL OR expires_at <= %2$s)
			""";

	private static final String RENEW = """
			UPDATE %1$s SET expires_at = %3$s, last_timestamp = GREATEST(last_timestamp, ?)
			WHERE slot = ? AND owner = ? AND expires_at > %2$s
			""";

	private static final String RELEASE = """
			UPDATE %1$s SET owner = NULL, expires_at = NULL, last_timestamp = GREATEST(last_timestamp, ?)
			WHERE slot = ? AND owner = ?
			""";

	private static final String LAST_TIMESTAMP = "SELECT last_timestamp FROM %1$s WHERE slot = ?";

	private static final String EXISTING_SLOTS = "SELECT slot FROM %1$s WHERE slot < ?";

	private static final String CREATE_SLOT = "INSERT INTO %1$s (slot, last_timestamp) VALUES (?, 0)";

	private final AutoCommitJdbc jdbc;

	private final String tableName;

	private final BooleanSupplier createSchema;

	private volatile Sql sql;

	private volatile int slotsCreated;

	/** Whether the table is known to exist: created here, or a claim succeeded. */
	private volatile boolean schemaReady;

	/**
	 * Creates a store that leaves the table to the application; nothing is read from the database until the
	 * first call.
	 * @param dataSource the application's database
	 * @param tableName lease table, an identifier optionally qualified by a schema (see
	 * {@link AutoCommitJdbc#isValidTableName})
	 */
	public JdbcWorkerIdStore(DataSource dataSource, String tableName) {
		this(dataSource, tableName, () -> false);
	}

	/**
	 * Creates a store that may create its table at the first claim; nothing is read from the database until the
	 * first call.
	 * @param dataSource the application's database
	 * @param tableName lease table, an identifier optionally qualified by a schema (see
	 * {@link AutoCommitJdbc#isValidTableName})
	 * @param createSchema asked at the first claim, once the database answered (so it may look at the database,
	 * such as whether it is embedded), whether to {@link #createSchema() create the table}; asked again at every
	 * claim until the table was created or a claim succeeded, so a database that was down or refused the DDL is
	 * tried again
	 */
	public JdbcWorkerIdStore(DataSource dataSource, String tableName, BooleanSupplier createSchema) {
		Assert.notNull(dataSource, "DataSource must not be null");
		Assert.isTrue(AutoCommitJdbc.isValidTableName(tableName),
				() -> "Table name must be an identifier of letters, digits and '_', optionally schema-qualified, was '"
						+ tableName + "'");
		Assert.notNull(createSchema, "CreateSchema must not be null");
		this.jdbc = new AutoCommitJdbc(dataSource);
		this.tableName = tableName;
		this.createSchema = createSchema;
	}

	@Override
	public String name() {
		return "jdbc";
	}

	/**
	 * Creates the lease table if it does not exist, with the DDL of the detected database. Safe to call at every
	 * startup.
	 * @throws WorkerIdLeaseException if the database cannot be reached or refuses the DDL
	 */
	public void createSchema() {
		Sql sql = sql();
		String ddl = AutoCommitJdbc.loadScript(JdbcWorkerIdStore.class, "schema-" + sql.product().id() + ".sql")
			.replace(DEFAULT_TABLE_NAME, this.tableName);
		execute("create the table for", (connection) -> {
			try (Statement statement = connection.createStatement()) {
				statement.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
				return statement.execute(ddl);
			}
		});
		this.schemaReady = true;
		logger.info("Worker id lease table '" + this.tableName + "' is ready (" + sql.productName() + ")");
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * The first claim creates the table if the store was made to, then the rows of all slots. Its failure message
	 * says how to create a missing table.
	 */
	@Override
	public Optional<Claim> claim(String owner, int slotCount, Duration ttl) {
		Assert.hasText(owner, "Owner must not be empty");
		Assert.isTrue(slotCount > 0, "Slot count must be positive");
		if (!this.schemaReady) {
			// After sql(): the database answered, so the decision may ask it (such as whether it is embedded).
			sql();
			if (this.createSchema.getAsBoolean()) {
				createSchema();
			}
		}
		try {
			Optional<Claim> claim = claimAny(owner, slotCount, ttl);
			this.schemaReady = true;
			return claim;
		}
		catch (WorkerIdLeaseException ex) {
			throw new WorkerIdLeaseException(ex.getMessage() + " (does table '" + this.tableName + "' exist? Set "
					+ "distcore.id.jdbc.initialize-schema=always, create it from io/distcore/id/lease/jdbc/schema-*.sql, "
					+ "or set a fixed distcore.id.snowflake.worker-id)", ex.getCause());
		}
	}

	private Optional<Claim> claimAny(String owner, int slotCount, Duration ttl) {
		createSlots(slotCount);
		Sql sql = sql();
		return execute("claim", (connection) -> {
			List<Integer> free = new ArrayList<>();
			try (PreparedStatement statement = prepare(connection, sql.freeSlots())) {
				statement.setInt(1, slotCount);
				try (ResultSet result = statement.executeQuery()) {
					while (result.next()) {
						free.add(result.getInt(1));
					}
				}
			}
			int start = free.isEmpty() ? 0 : ThreadLocalRandom.current().nextInt(free.size());
			for (int i = 0; i < free.size(); i++) {
				int slot = free.get((start + i) % free.size());
				if (take(connection, sql, slot, owner, ttl)) {
					return Optional.of(new Claim(slot, lastTimestamp(connection, sql, slot)));
				}
			}
			return Optional.<Claim>empty();
		});
	}

	@Override
	public OptionalLong claim(int slot, String owner, Duration ttl) {
		Assert.hasText(owner, "Owner must not be empty");
		Sql sql = sql();
		return execute("claim", (connection) -> take(connection, sql, slot, owner, ttl)
				? OptionalLong.of(lastTimestamp(connection, sql, slot)) : OptionalLong.empty());
	}

	@Override
	public boolean renew(int slot, String owner, long lastTimestamp, Duration ttl) {
		Sql sql = sql();
		return execute("renew", (connection) -> {
			try (PreparedStatement statement = prepare(connection, sql.renew())) {
				statement.setLong(1, Math.max(1, ttl.toMillis()));
				statement.setLong(2, lastTimestamp);
				statement.setInt(3, slot);
				statement.setString(4, owner);
				return statement.executeUpdate() == 1;
			}
		});
	}

	@Override
	public boolean release(int slot, String owner, long lastTimestamp) {
		Sql sql = sql();
		return execute("release", (connection) -> {
			try (PreparedStatement statement = prepare(connection, sql.release())) {
				statement.setLong(1, lastTimestamp);
				statement.setInt(2, slot);
				statement.setString(3, owner);
				return statement.executeUpdate() == 1;
			}
		});
	}

	/** The database judges the ttl by its own clock, from when it ran the statement. */
	@Override
	public Duration guaranteedHold(Duration ttl) {
		return ttl;
	}

	private boolean take(Connection connection, Sql sql, int slot, String owner, Duration ttl) throws SQLException {
		try (PreparedStatement statement = prepare(connection, sql.take())) {
			statement.setString(1, owner);
			statement.setLong(2, Math.max(1, ttl.toMillis()));
			statement.setInt(3, slot);
			return statement.executeUpdate() == 1;
		}
	}

	private long lastTimestamp(Connection connection, Sql sql, int slot) throws SQLException {
		try (PreparedStatement statement = prepare(connection, sql.lastTimestamp())) {
			statement.setInt(1, slot);
			try (ResultSet result = statement.executeQuery()) {
				return result.next() ? result.getLong(1) : 0;
			}
		}
	}

	/** Inserts the rows of missing slots; a row another process inserted first is a duplicate key, ignored. */
	private void createSlots(int slotCount) {
		if (this.slotsCreated >= slotCount) {
			return;
		}
		Sql sql = sql();
		execute("create the slots for", (connection) -> {
			Set<Integer> existing = new HashSet<>();
			try (PreparedStatement statement = prepare(connection, sql.existingSlots())) {
				statement.setInt(1, slotCount);
				try (ResultSet result = statement.executeQuery()) {
					while (result.next()) {
						existing.add(result.getInt(1));
					}
				}
			}
			for (int slot = 0; slot < slotCount; slot++) {
				if (!existing.contains(slot)) {
					try (PreparedStatement statement = prepare(connection, sql.createSlot())) {
						statement.setInt(1, slot);
						statement.executeUpdate();
					}
					catch (SQLException ex) {
						if (ex.getSQLState() == null || !ex.getSQLState().startsWith(DUPLICATE_KEY_CLASS)) {
							throw ex;
						}
					}
				}
			}
			return null;
		});
		this.slotsCreated = slotCount;
	}

	private Sql sql() {
		Sql known = this.sql;
		if (known == null) {
			DatabaseProduct product;
			try {
				product = this.jdbc.product();
			}
			catch (DataAccessException ex) {
				throw failure("reach the database for", ex);
			}
			known = Sql.forProduct(product, this.tableName);
			this.sql = known;
		}
		return known;
	}

	/** Runs auto-committed outside the caller's transaction, so every statement commits on its own. */
	private <T> T execute(String action, ConnectionCallback<T> operation) {
		try {
			return this.jdbc.execute(operation);
		}
		catch (DataAccessException ex) {
			throw failure(action, ex);
		}
	}

	private WorkerIdLeaseException failure(String action, DataAccessException ex) {
		return new WorkerIdLeaseException("Could not " + action + " a worker id in table '" + this.tableName + "': "
				+ ex.getMostSpecificCause().getMessage(), ex);
	}

	private static PreparedStatement prepare(Connection connection, String sql) throws SQLException {
		PreparedStatement statement = connection.prepareStatement(sql);
		statement.setQueryTimeout(QUERY_TIMEOUT_SECONDS);
		return statement;
	}

	/**
	 * The statements for one database product: they differ only in how they read the database clock.
	 * {@code productName} names the product family in logs.
	 */
	private record Sql(DatabaseProduct product, String productName, String freeSlots, String take, String renew,
			String release, String lastTimestamp, String existingSlots, String createSlot) {

		static Sql forProduct(DatabaseProduct product, String table) {
			return switch (product) {
				case POSTGRESQL -> of(product, "PostgreSQL", table, "clock_timestamp()",
						"clock_timestamp() + ? * INTERVAL '1 millisecond'");
				case MARIADB -> of(product, "MariaDB/MySQL", table, "UTC_TIMESTAMP(3)",
						"UTC_TIMESTAMP(3) + INTERVAL ? * 1000 MICROSECOND");
				case H2 -> of(product, "H2", table, "CURRENT_TIMESTAMP(3)",
						"DATEADD(MILLISECOND, ?, CURRENT_TIMESTAMP(3))");
			};
		}

		private static Sql of(DatabaseProduct product, String productName, String table, String now, String nowPlus) {
			return new Sql(product, productName, FREE_SLOTS.formatted(table, now, nowPlus),
					TAKE.formatted(table, now, nowPlus), RENEW.formatted(table, now, nowPlus),
					RELEASE.formatted(table, now, nowPlus), LAST_TIMESTAMP.formatted(table),
					EXISTING_SLOTS.formatted(table), CREATE_SLOT.formatted(table));
		}

	}

}
