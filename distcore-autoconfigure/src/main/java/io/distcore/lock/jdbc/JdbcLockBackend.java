package io.distcore.lock.jdbc;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import io.distcore.lock.HandOverLockBackend;
import io.distcore.lock.LockBackendUnavailableException;
import io.distcore.lock.LockGrant;
import io.distcore.support.AutoCommitJdbc;
import io.distcore.support.DatabaseProduct;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.util.Assert;

/**
 * Locks kept as rows of one table in the application's database (PostgreSQL, MariaDB/MySQL or H2, detected from
 * the driver's product name at first use): the unique-key lock, with a lease so that a crashed holder cannot
 * block forever, and a fencing token that the database increments in the statement that takes the lock.
 * <p>
 * Guarantees:
 * <ul>
 * <li>Every acquire, renew and release is one auto-committed statement on one primary-key row (on
 * MariaDB/MySQL an update, then an insert ignoring an existing row when the update took nothing, the token read
 * back with {@code LAST_INSERT_ID()}), so there is no select-then-insert and no transaction that holds one row lock while waiting for another: no deadlocks, even
 * under MariaDB's REPEATABLE READ. Should the database still pick a statement as a deadlock victim, it is
 * retried and {@link #deadlockRetries() counted}.</li>
 * <li>Leases are judged by the database clock only ({@code clock_timestamp()}, {@code UTC_TIMESTAMP(3)},
 * {@code CURRENT_TIMESTAMP(3)}), so application clocks may disagree freely.</li>
 * <li>Release keeps the row: it clears the owner and moves the expiry to database now, so the token of the next
 * hold is the previous token plus one. {@link #purge} deletes rows whose lease ended a while ago, which keeps a
 * table of one lock per entity (per order id, say) from growing forever; a lock whose row was purged starts again
 * above the token floor, a row with the empty name that the purge raises first, so tokens still only
 * increase.</li>
 * <li>An acquire by the owner that holds the lock already is granted with the next token: reentry is counted
 * above this SPI, so such an acquire means the reply to an earlier one was lost (the database applied it, the
 * client never heard), and the owner must not wait out a hold it does not know it has.</li>
 * <li>Statements run on connections of their own, outside any transaction of the caller, so a lock is visible
 * to everybody as soon as it is taken and survives the caller's rollback; each needs one connection of the
 * pool besides those the caller holds.</li>
 * <li>A waiter polls with exponential backoff from {@code pollMinInterval} to {@code pollMaxInterval}, with
 * jitter and never past its wait deadline: a released lock passes to a waiter at most {@code pollMaxInterval}
 * plus one statement later.</li>
 * <li>An unreachable database raises {@link LockBackendUnavailableException} after the pool's connection
 * timeout, or the {@code queryTimeout} of a statement that does not answer; a missing table raises its subclass
 * {@link LockTableMissingException}, which says how to create it.</li>
 * <li>Nothing touches the database before the first call: the table is created, if the backend was made to, by
 * the first acquire, and {@link #check()} only reads.</li>
 * </ul>
 * The table is created by {@link #createSchema()}, from the {@code schema-*.sql} resources of this package, or by
 * the first acquire of a backend made to create it.
 */
public final class JdbcLockBackend implements HandOverLockBackend {

	/** Width of the name and owner columns. */
	public static final int MAX_NAME_LENGTH = 255;

	private static final Log logger = LogFactory.getLog(JdbcLockBackend.class);

	private static final String DEFAULT_TABLE_NAME = "distcore_lock";

	private static final int DEADLOCK_ATTEMPTS = 3;

	/** Reads no row, but fails unless the database answers and the lock table exists. */
	private static final String CHECK = "SELECT COUNT(*) FROM %s WHERE 1 = 0";

	private final AutoCommitJdbc jdbc;

	private final String tableName;

	private final long pollMinNanos;

	private final long pollMaxNanos;

	private final int queryTimeoutSeconds;

	private final AtomicReference<JdbcLockDialect> dialect = new AtomicReference<>();

	private final AtomicLong deadlockRetries = new AtomicLong();

	private final BooleanSupplier createSchema;

	/** Whether the table is known to exist: created here, or a lock statement succeeded. */
	private volatile boolean schemaReady;

	/** Serializes the creation of the table within this process. */
	private final Object schemaMonitor = new Object();

	/** Set by the first acquire that reached the table. */
	private final AtomicBoolean inUse = new AtomicBoolean();

	private final List<Runnable> firstUseActions = new CopyOnWriteArrayList<>();

	private volatile String database;

	/**
	 * Creates a backend that leaves the table to the application; nothing is read from the database until the
	 * first call.
	 * @param dataSource the application's database
	 * @param tableName lock table, an identifier optionally qualified by a schema (see {@link #isValidTableName})
	 * @param pollMinInterval first delay between two attempts of a waiter, positive
	 * @param pollMaxInterval longest delay between two attempts of a waiter, at least {@code pollMinInterval}
	 * @param queryTimeout longest time one statement may run, at least one second (JDBC counts whole seconds)
	 */
	public JdbcLockBackend(DataSource dataSource, String tableName, Duration pollMinInterval, Duration pollMaxInterval,
			Duration queryTimeout) {
		this(dataSource, tableName, pollMinInterval, pollMaxInterval, queryTimeout, () -> false);
	}

	/**
	 * Creates a backend that may create its table at the first acquire; nothing is read from the database until
	 * the first call.
	 * @param dataSource the application's database
	 * @param tableName lock table, an identifier optionally qualified by a schema (see {@link #isValidTableName})
	 * @param pollMinInterval first delay between two attempts of a waiter, positive
	 * @param pollMaxInterval longest delay between two attempts of a waiter, at least {@code pollMinInterval}
	 * @param queryTimeout longest time one statement may run, at least one second (JDBC counts whole seconds)
	 * @param createSchema asked at the first acquire, once the database answered (so it may look at the database,
	 * such as whether it is embedded), whether to {@link #createSchema() create the table}; asked again at every
	 * acquire until the table exists, so a database that was down or refused the DDL is tried again
	 * @see io.distcore.support.JdbcSchemaInitialization
	 */
	public JdbcLockBackend(DataSource dataSource, String tableName, Duration pollMinInterval, Duration pollMaxInterval,
			Duration queryTimeout, BooleanSupplier createSchema) {
		Assert.notNull(dataSource, "DataSource must not be null");
		Assert.isTrue(isValidTableName(tableName),
				() -> "Table name must be an identifier of letters, digits and '_', optionally schema-qualified, was '"
						+ tableName + "'");
		Assert.isTrue(pollMinInterval != null && pollMinInterval.toNanos() > 0,
				() -> "Poll min interval must be positive, was " + pollMinInterval);
		Assert.isTrue(pollMaxInterval != null && pollMaxInterval.compareTo(pollMinInterval) >= 0,
				() -> "Poll max interval must be at least the poll min interval (" + pollMinInterval + "), was "
						+ pollMaxInterval);
		Assert.isTrue(queryTimeout != null && queryTimeout.compareTo(Duration.ofSeconds(1)) >= 0,
				() -> "Query timeout must be at least 1s, was " + queryTimeout);
		Assert.notNull(createSchema, "CreateSchema must not be null");
		this.createSchema = createSchema;
		this.jdbc = new AutoCommitJdbc(dataSource);
		this.tableName = tableName;
		this.pollMinNanos = pollMinInterval.toNanos();
		this.pollMaxNanos = pollMaxInterval.toNanos();
		this.queryTimeoutSeconds = (int) Math.min(Integer.MAX_VALUE,
				queryTimeout.plusNanos(999_999_999).getSeconds());
	}

	/**
	 * Whether a table name is safe to put into SQL: letters, digits and {@code _}, not starting with a digit,
	 * optionally prefixed by a schema name of the same form and a dot.
	 * @param tableName candidate
	 * @return {@code true} if the backend accepts it
	 * @see AutoCommitJdbc#isValidTableName(String)
	 */
	public static boolean isValidTableName(String tableName) {
		return AutoCommitJdbc.isValidTableName(tableName);
	}

	@Override
	public String name() {
		return "jdbc";
	}

	/**
	 * The lock table.
	 * @return the table name, as configured
	 */
	public String tableName() {
		return this.tableName;
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * The database cannot push releases, so a waiter polls: first after {@code pollMinInterval}, then twice as
	 * long each time up to {@code pollMaxInterval}, each delay shortened by a random part of up to half (so that
	 * waiters spread out), and a last attempt at the deadline.
	 */
	@Override
	public Optional<LockGrant> acquire(String name, String owner, Duration leaseTime, Duration waitTime)
			throws InterruptedException {
		checkNameAndOwner(name, owner);
		checkLease(leaseTime);
		Assert.isTrue(waitTime != null && !waitTime.isNegative(), "Wait time must not be negative");
		long leaseMillis = leaseMillis(leaseTime);
		long deadline = System.nanoTime() + waitTime.toNanos();
		long delay = this.pollMinNanos;
		prepareTable();
		while (true) {
			if (Thread.interrupted()) {
				throw new InterruptedException("Interrupted while waiting for lock '" + name + "'");
			}
			Optional<LockGrant> grant = execute("acquire", name, (dialect, connection) -> {
				// Taken once the connection is there, so that a wait for the pool does not shorten the lease.
				long attemptStart = System.nanoTime();
				OptionalLong token = dialect.acquire(connection, name, owner, leaseMillis);
				return token.isPresent() ? Optional.of(new LockGrant(token.getAsLong(), attemptStart)) : Optional.empty();
			});
			markInUse();
			if (grant.isPresent()) {
				return grant;
			}
			long remaining = deadline - System.nanoTime();
			if (remaining <= 0) {
				return grant;
			}
			long jittered = delay - ThreadLocalRandom.current().nextLong(delay / 2 + 1);
			TimeUnit.NANOSECONDS.sleep(Math.min(remaining, jittered));
			delay = Math.min(delay * 2, this.pollMaxNanos);
		}
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * One {@code UPDATE} of the lock's row, one round trip: with {@code RETURNING} on PostgreSQL, read through a
	 * data change delta table on H2; on MariaDB/MySQL, which cannot return from an {@code UPDATE}, the token is set
	 * with {@code LAST_INSERT_ID(expr)} and read from the statement's reply as its generated key (a driver that does
	 * not report it there costs a second statement, {@code SELECT LAST_INSERT_ID()}, on the same connection).
	 */
	@Override
	public Optional<LockGrant> handOver(String name, String owner, String nextOwner, Duration leaseTime) {
		checkNameAndOwner(name, owner);
		checkNameAndOwner(name, nextOwner);
		checkLease(leaseTime);
		Assert.isTrue(!owner.equals(nextOwner), "The next owner must not be the holder");
		long leaseMillis = leaseMillis(leaseTime);
		return execute("hand over", name, (dialect, connection) -> {
			long attemptStart = System.nanoTime();
			OptionalLong token = dialect.handOver(connection, name, owner, nextOwner, leaseMillis);
			return token.isPresent() ? Optional.of(new LockGrant(token.getAsLong(), attemptStart)) : Optional.empty();
		});
	}

	@Override
	public boolean renew(String name, String owner, Duration leaseTime) {
		checkNameAndOwner(name, owner);
		checkLease(leaseTime);
		long leaseMillis = leaseMillis(leaseTime);
		return execute("renew", name, (dialect, connection) -> dialect.renew(connection, name, owner, leaseMillis));
	}

	@Override
	public boolean release(String name, String owner) {
		checkNameAndOwner(name, owner);
		return execute("release", name, (dialect, connection) -> dialect.release(connection, name, owner));
	}

	/**
	 * Runs a {@code SELECT} on the lock table that reads no row: it writes nothing and takes no row lock, and
	 * creates no table either.
	 * @throws LockTableMissingException if the database answered but the table does not exist, saying whether
	 * the first acquire creates it
	 */
	@Override
	public void check() {
		String sql = CHECK.formatted(this.tableName);
		execute("check", "(health check)", (dialect, connection) -> {
			try (Statement statement = connection.createStatement()) {
				statement.setQueryTimeout(this.queryTimeoutSeconds);
				try (ResultSet result = statement.executeQuery(sql)) {
					return result.next();
				}
			}
		});
	}

	/**
	 * Creates the lock table if it does not exist, with the DDL of the detected database. Safe to call at every
	 * startup.
	 * @throws LockBackendUnavailableException if the database cannot be reached or refuses the DDL
	 */
	public void createSchema() {
		String ddl = AutoCommitJdbc.loadScript(JdbcLockBackend.class, dialect().schemaResource())
			.replace(DEFAULT_TABLE_NAME, this.tableName);
		execute("create the table for", this.tableName, (dialect, connection) -> {
			try (Statement statement = connection.createStatement()) {
				statement.setQueryTimeout(this.queryTimeoutSeconds);
				statement.execute(ddl);
			}
			dialect.createFloor(connection);
			return null;
		});
		this.schemaReady = true;
		logger.info("Lock table '" + this.tableName + "' is ready (" + dialect().name() + ")");
	}

	/**
	 * Deletes the rows of locks whose lease ended (released, or expired with a dead holder) more than
	 * {@code retention} ago, in statements of at most {@code batchSize} rows, until no such row is left. First raises
	 * the token floor to the largest token in the table, then waits twice the query timeout, so that an acquire
	 * that read the floor before it was raised has finished before the rows under it go: a lock created again after
	 * its row was deleted always gets a greater token than any it had. Meant for a background thread
	 * ({@code distcore.lock.jdbc.purge-interval}); safe to run on several processes at once.
	 * @param retention how long a row stays after its lease ended; zero purges every row not held
	 * @param batchSize most rows one statement deletes
	 * @return how many rows were deleted, as far as the driver's batch counts tell
	 * @throws InterruptedException if interrupted while waiting; nothing was deleted then
	 * @throws LockBackendUnavailableException if the database cannot be reached
	 */
	public int purge(Duration retention, int batchSize) throws InterruptedException {
		Assert.isTrue(retention != null && !retention.isNegative(), () -> "Retention must not be negative, was " + retention);
		Assert.isTrue(batchSize > 0, () -> "Batch size must be positive, was " + batchSize);
		LockRowPurge purge = new LockRowPurge(dialect(), this.tableName);
		long floor = execute("raise the token floor of", this.tableName,
				(dialect, connection) -> purge.raiseFloor(connection));
		TimeUnit.SECONDS.sleep(2L * this.queryTimeoutSeconds);
		int purged = 0;
		while (true) {
			int deleted = execute("purge", this.tableName,
					(dialect, connection) -> purge.deleteBatch(connection, floor, retention.toMillis(), batchSize));
			purged += deleted;
			if (deleted < batchSize) {
				return purged;
			}
		}
	}

	/**
	 * How many statements were retried because the database chose them as a deadlock victim; expected to stay
	 * zero, since no statement of this backend waits while holding a lock.
	 * @return the count since this backend was created
	 */
	public long deadlockRetries() {
		return this.deadlockRetries.get();
	}

	/**
	 * Whether an acquire has reached the table, so that what the backend's use needs (the purge) may start.
	 */
	boolean isInUse() {
		return this.inUse.get();
	}

	/**
	 * Runs an action once an acquire has reached the table, or now if one has: for what should start with the
	 * use of the backend rather than with the application, such as {@link JdbcLockPurger the purge}. The action
	 * may run more than once and on an acquiring thread, so it must be idempotent and quick.
	 */
	void onFirstUse(Runnable action) {
		this.firstUseActions.add(action);
		if (this.inUse.get()) {
			action.run();
		}
	}

	private void markInUse() {
		if (!this.inUse.get() && this.inUse.compareAndSet(false, true)) {
			this.schemaReady = true;
			this.firstUseActions.forEach(Runnable::run);
		}
	}

	/** Creates the table before the first acquire if the backend was made to; asked again until it exists. */
	private void prepareTable() {
		if (this.schemaReady) {
			return;
		}
		synchronized (this.schemaMonitor) {
			if (this.schemaReady) {
				return;
			}
			// After dialect(): the database answered, so the decision may ask it (such as whether it is embedded).
			dialect();
			if (this.createSchema.getAsBoolean()) {
				try {
					createSchema();
				}
				catch (LockBackendUnavailableException ex) {
					// Another process creating the table at the same moment makes PostgreSQL refuse CREATE TABLE IF
					// NOT EXISTS (a duplicate key in its catalog) once that process committed: now it passes.
					createSchema();
				}
			}
		}
	}

	/**
	 * Runs one lock operation on a pooled connection in auto-commit mode, retrying a deadlock victim a few
	 * times, and turns every other database failure into {@link LockBackendUnavailableException}.
	 */
	private <T> T execute(String action, String name, Operation<T> operation) {
		JdbcLockDialect dialect = dialect();
		for (int attempt = 1;; attempt++) {
			try {
				return this.jdbc.execute((connection) -> operation.run(dialect, connection));
			}
			catch (DataAccessException ex) {
				if (attempt < DEADLOCK_ATTEMPTS && isDeadlock(ex)) {
					this.deadlockRetries.incrementAndGet();
					logger.warn("Retrying " + action + " of lock '" + name + "' after a deadlock: " + ex.getMessage());
					continue;
				}
				if (isMissingTable(ex)) {
					throw new LockTableMissingException(this.tableName, database(), "io/distcore/lock/jdbc/"
							+ dialect.schemaResource(), createsSchema(), ex);
				}
				throw new LockBackendUnavailableException(
						"Could not " + action + " lock '" + name + "' in table '" + this.tableName + "': "
								+ ex.getMostSpecificCause().getMessage(), ex);
			}
		}
	}

	private JdbcLockDialect dialect() {
		JdbcLockDialect known = this.dialect.get();
		if (known != null) {
			return known;
		}
		DatabaseProduct product;
		try {
			product = this.jdbc.product();
		}
		catch (DataAccessException ex) {
			throw new LockBackendUnavailableException(
					"Could not reach the lock database: " + ex.getMostSpecificCause().getMessage(), ex);
		}
		JdbcLockDialect detected = JdbcLockDialect.forProduct(product, this.tableName, this.queryTimeoutSeconds);
		if (this.dialect.compareAndSet(null, detected)) {
			logger.info("JDBC locks use table '" + this.tableName + "' with the " + detected.name() + " dialect");
			return detected;
		}
		return this.dialect.get();
	}

	/** Asked only once the database answered that the table is missing. */
	private boolean createsSchema() {
		try {
			return this.createSchema.getAsBoolean();
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	/** The JDBC URL without parameters or user, which may carry a password. */
	private String database() {
		String known = this.database;
		if (known == null) {
			try {
				String url = this.jdbc.execute((connection) -> connection.getMetaData().getURL());
				known = (url != null) ? url.replaceFirst("[?;].*$", "").replaceFirst("//[^/@]*@", "//")
						: "the lock DataSource";
			}
			catch (DataAccessException ex) {
				known = "the lock DataSource";
			}
			this.database = known;
		}
		return known;
	}

	private static boolean isMissingTable(DataAccessException ex) {
		for (Throwable cause = ex; cause != null; cause = cause.getCause()) {
			if (cause instanceof SQLException sql) {
				String state = sql.getSQLState();
				// 42P01: PostgreSQL undefined_table; 42S02: base table not found (MariaDB/MySQL, H2's 42102), 42S03
				// and 42S04 H2's variants of it; 1146: MariaDB/MySQL ER_NO_SUCH_TABLE, whatever the driver's state.
				if ("42P01".equals(state) || "42S02".equals(state) || "42S03".equals(state) || "42S04".equals(state)
						|| sql.getErrorCode() == 1146) {
					return true;
				}
			}
		}
		return false;
	}

	private static boolean isDeadlock(DataAccessException ex) {
		if (ex.getMostSpecificCause() instanceof SQLException sql) {
			// 40001: serialization failure or deadlock (SQL standard, H2, MariaDB); 40P01: PostgreSQL deadlock;
			// 1213: MariaDB/MySQL ER_LOCK_DEADLOCK, whatever the driver makes of its SQL state.
			return "40001".equals(sql.getSQLState()) || "40P01".equals(sql.getSQLState()) || sql.getErrorCode() == 1213;
		}
		return false;
	}

	private static long leaseMillis(Duration leaseTime) {
		return Math.max(1, leaseTime.toMillis());
	}

	private static void checkLease(Duration leaseTime) {
		Assert.isTrue(leaseTime != null && !leaseTime.isNegative() && !leaseTime.isZero(),
				() -> "Lease time must be positive, was " + leaseTime);
	}

	private static void checkNameAndOwner(String name, String owner) {
		Assert.hasText(name, "Lock name must not be empty");
		Assert.hasText(owner, "Owner must not be empty");
		Assert.isTrue(name.length() <= MAX_NAME_LENGTH,
				() -> "Lock name must be at most " + MAX_NAME_LENGTH + " characters: '" + name + "'");
		Assert.isTrue(owner.length() <= MAX_NAME_LENGTH,
				() -> "Owner must be at most " + MAX_NAME_LENGTH + " characters: '" + owner + "'");
	}

	/** One lock operation on an auto-committing connection. */
	@FunctionalInterface
	private interface Operation<T> {

		T run(JdbcLockDialect dialect, Connection connection) throws SQLException;

	}

}
