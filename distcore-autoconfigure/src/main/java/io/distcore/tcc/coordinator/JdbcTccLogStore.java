package io.distcore.tcc.coordinator;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import io.distcore.support.AutoCommitJdbc;
import io.distcore.support.DatabaseProduct;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.util.Assert;

/**
 * The coordinator's durable log: {@code {prefix}transaction} and {@code {prefix}branch} in the initiator's
 * database (PostgreSQL, MariaDB/MySQL or H2). Every statement is auto-committed on its own connection, outside any
 * transaction of the caller, so a decision is durable the moment its method returns and survives the caller's
 * rollback. State changes are compare-and-set updates: their {@code WHERE} states what must still hold, and the
 * returned {@code boolean} says whether it did.
 * <p>
 * Time: every timestamp is the coordinator's clock in UTC, passed as a parameter (the database clock is never
 * read), so all columns compare with each other. Instances sharing a log must have clocks that agree within a
 * small part of {@code distcore.tcc.recovery.claim-lease}.
 * <p>
 * The tables are created by {@link #createSchema()}, or at the first use when the store was made to do so.
 * Errors of the database surface as Spring's {@link DataAccessException}.
 */
public final class JdbcTccLogStore {

	/** Width of the last_error columns; longer messages are cut. */
	public static final int MAX_ERROR_LENGTH = 1000;

	/** Width of the name column. */
	public static final int MAX_NAME_LENGTH = 200;

	/** Width of the address column. */
	public static final int MAX_ADDRESS_LENGTH = 500;

	/** Width of the transport column. */
	public static final int MAX_TRANSPORT_LENGTH = 16;

	private static final Log logger = LogFactory.getLog(JdbcTccLogStore.class);

	private static final String DEFAULT_PREFIX = "distcore_tcc_";

	private static final String TRANSACTION_COLUMNS = "xid, name, state, created_at, timeout_at, decided_at, "
			+ "finished_at, next_attempt_at, attempts, owner, claim_until, last_error";

	private static final String BRANCH_COLUMNS = "xid, branch_id, transport, address, state, attempts, last_error, "
			+ "next_attempt_at, created_at";

	/** Free for a claim: nobody's, or its claim ran out, or it is this instance's own. */
	private static final String CLAIM_FREE = "(owner IS NULL OR claim_until <= ? OR owner = ?)";

	private final AutoCommitJdbc jdbc;

	private final String transactionTable;

	private final String branchTable;

	private final String prefix;

	private final BooleanSupplier createSchema;

	private final int queryTimeoutSeconds;

	private final int networkTimeoutMillis;

	private final Object schemaMonitor = new Object();

	private volatile boolean schemaReady;

	/**
	 * Creates a store; nothing is read from the database until the first call.
	 * @param dataSource the initiator's database
	 * @param tablePrefix prefix of both table names (see {@link #isValidTablePrefix})
	 * @param queryTimeout longest time one statement may take, at least one second (JDBC counts whole seconds); a
	 * database that stops answering is given a second more before the connection is given up
	 * @param createSchema asked at the first use, once the database answered, whether to
	 * {@link #createSchema() create the tables}; asked again at later uses until they were created, so a database
	 * that was down is tried again
	 */
	public JdbcTccLogStore(DataSource dataSource, String tablePrefix, Duration queryTimeout,
			BooleanSupplier createSchema) {
		Assert.notNull(dataSource, "DataSource must not be null");
		Assert.isTrue(isValidTablePrefix(tablePrefix), () -> "Invalid table prefix '" + tablePrefix + "'");
		Assert.notNull(createSchema, "CreateSchema must not be null");
		Assert.isTrue(queryTimeout != null && queryTimeout.compareTo(Duration.ofSeconds(1)) >= 0,
				() -> "Query timeout must be at least 1s, was " + queryTimeout);
		this.queryTimeoutSeconds = (int) Math.min(Integer.MAX_VALUE / 1000 - 1,
				queryTimeout.plusNanos(999_999_999).getSeconds());
		this.networkTimeoutMillis = (this.queryTimeoutSeconds + 1) * 1000;
		this.jdbc = new AutoCommitJdbc(dataSource);
		this.prefix = tablePrefix;
		this.transactionTable = tablePrefix + "transaction";
		this.branchTable = tablePrefix + "branch";
		this.createSchema = createSchema;
	}

	/**
	 * Whether a prefix gives valid table names: letters, digits and {@code _}, optionally schema-qualified.
	 * @param tablePrefix candidate
	 * @return {@code true} if {@code {prefix}transaction} is a valid table name
	 */
	public static boolean isValidTablePrefix(String tablePrefix) {
		return tablePrefix != null && AutoCommitJdbc.isValidTableName(tablePrefix + "transaction");
	}

	/**
	 * Creates both tables and the index if they do not exist, with the DDL of the detected database.
	 * @throws DataAccessException if the database cannot be reached or refuses the DDL
	 */
	public void createSchema() {
		DatabaseProduct product = this.jdbc.product();
		// Index names are per schema on PostgreSQL and H2 and cannot be schema-qualified: prefix them unqualified.
		String indexPrefix = this.prefix.substring(this.prefix.indexOf('.') + 1);
		String script = AutoCommitJdbc.loadScript(JdbcTccLogStore.class, "schema-" + product.id() + ".sql")
			.replace(DEFAULT_PREFIX + "transaction_due", "@index@")
			.replace(DEFAULT_PREFIX, this.prefix)
			.replace("@index@", indexPrefix + "transaction_due");
		execute((connection) -> {
			try (Statement statement = connection.createStatement()) {
				statement.setQueryTimeout(this.queryTimeoutSeconds);
				for (String sql : statements(script)) {
					statement.execute(sql);
				}
			}
			return null;
		});
		this.schemaReady = true;
		logger.info("TCC log tables '" + this.transactionTable + "' and '" + this.branchTable + "' are ready ("
				+ product + ")");
	}

	private static List<String> statements(String script) {
		List<String> statements = new ArrayList<>();
		StringBuilder current = new StringBuilder();
		for (String line : script.split("\n")) {
			if (line.strip().startsWith("--")) {
				continue;
			}
			current.append(line).append('\n');
		}
		for (String statement : current.toString().split(";")) {
			if (!statement.isBlank()) {
				statements.add(statement.strip());
			}
		}
		return statements;
	}

	/**
	 * Records a new transaction in state {@link TransactionState#TRYING}, claimed by its initiator.
	 * @param xid global transaction id
	 * @param name transaction name (cut to {@value #MAX_NAME_LENGTH} characters)
	 * @param now current time
	 * @param timeoutAt when recovery may cancel it
	 * @param owner the initiating instance
	 */
	public void insertTransaction(String xid, String name, Instant now, Instant timeoutAt, String owner) {
		update("INSERT INTO " + this.transactionTable + " (xid, name, state, created_at, timeout_at, attempts, owner, "
				+ "claim_until) VALUES (?, ?, ?, ?, ?, 0, ?, ?)", xid, cut(name, MAX_NAME_LENGTH),
				TransactionState.TRYING.name(), now, timeoutAt, owner, timeoutAt);
	}

	/**
	 * Records a branch, only while its transaction is still trying (one statement, so a transaction that recovery
	 * cancelled meanwhile gets no new branch).
	 * @param xid global transaction id
	 * @param branchId branch id
	 * @param transport transport kind
	 * @param address address for the transport
	 * @param now current time
	 * @return whether the branch was recorded; {@code false} if the transaction is no longer trying
	 */
	public boolean insertBranch(String xid, String branchId, String transport, String address, Instant now) {
		// A locking read of the transaction row: a concurrent cancel (recovery, after the timeout) either waits
		// until this branch is committed, and then sees it, or has committed first, and then no branch is inserted.
		String lock = switch (this.jdbc.product()) {
			case POSTGRESQL -> " FOR SHARE";
			case MARIADB -> " LOCK IN SHARE MODE";
			case H2 -> " FOR UPDATE";
		};
		return update("INSERT INTO " + this.branchTable + " (" + BRANCH_COLUMNS + ") SELECT ?, ?, ?, ?, ?, 0, NULL, "
				+ "NULL, ? FROM " + this.transactionTable + " WHERE xid = ? AND state = ?" + lock, xid, branchId,
				transport, address, BranchState.ENLISTED.name(), now, xid, TransactionState.TRYING.name()) == 1;
	}

	/**
	 * Writes the decision of a transaction that is still trying, claimed by {@code owner}.
	 * @param xid global transaction id
	 * @param decision {@link TransactionState#CONFIRMING} or {@link TransactionState#CANCELLING}
	 * @param now current time; phase two is due at once
	 * @param owner instance that drives phase two
	 * @param claimUntil end of its claim
	 * @return whether the decision was written; {@code false} if the transaction was no longer trying
	 */
	public boolean decide(String xid, TransactionState decision, Instant now, String owner, Instant claimUntil) {
		Assert.isTrue(decision == TransactionState.CONFIRMING || decision == TransactionState.CANCELLING,
				"decision must be CONFIRMING or CANCELLING");
		return update("UPDATE " + this.transactionTable + " SET state = ?, decided_at = ?, next_attempt_at = ?, "
				+ "owner = ?, claim_until = ? WHERE xid = ? AND state = ?", decision.name(), now, now, owner,
				claimUntil, xid, TransactionState.TRYING.name()) == 1;
	}

	/**
	 * Claims a transaction still trying past its timeout and turns it to {@link TransactionState#CANCELLING}.
	 * @param xid global transaction id
	 * @param now current time
	 * @param owner claiming instance
	 * @param claimUntil end of the claim
	 * @return whether this call did it
	 */
	public boolean cancelTimedOut(String xid, Instant now, String owner, Instant claimUntil) {
		return update("UPDATE " + this.transactionTable + " SET state = ?, decided_at = ?, next_attempt_at = ?, "
				+ "owner = ?, claim_until = ?, last_error = ? WHERE xid = ? AND state = ? AND timeout_at <= ? AND "
				+ CLAIM_FREE, TransactionState.CANCELLING.name(), now, now, owner, claimUntil, "timed out in try",
				xid, TransactionState.TRYING.name(), now, now, owner) == 1;
	}

	/**
	 * Claims a confirming or cancelling transaction whose next attempt is due.
	 * @param xid global transaction id
	 * @param now current time
	 * @param owner claiming instance
	 * @param claimUntil end of the claim
	 * @return whether the claim was taken
	 */
	public boolean claim(String xid, Instant now, String owner, Instant claimUntil) {
		return update("UPDATE " + this.transactionTable + " SET owner = ?, claim_until = ? WHERE xid = ? AND state IN "
				+ "(?, ?) AND next_attempt_at <= ? AND " + CLAIM_FREE, owner, claimUntil, xid,
				TransactionState.CONFIRMING.name(), TransactionState.CANCELLING.name(), now, now, owner) == 1;
	}

	/**
	 * Extends a claim this instance holds, so a phase two that runs long is not taken over while it works.
	 * @param xid global transaction id
	 * @param owner the instance holding the claim
	 * @param claimUntil new end of the claim
	 * @return whether the claim was still this instance's
	 */
	public boolean renewClaim(String xid, String owner, Instant claimUntil) {
		return update("UPDATE " + this.transactionTable + " SET claim_until = ? WHERE xid = ? AND owner = ? AND state IN "
				+ "(?, ?)", claimUntil, xid, owner, TransactionState.CONFIRMING.name(),
				TransactionState.CANCELLING.name()) == 1;
	}

	/**
	 * Transactions recovery should look at: trying past their timeout, or confirming/cancelling with their next
	 * attempt due, and not claimed by another instance. Oldest due first.
	 * @param now current time
	 * @param owner the asking instance (its own claims count as free)
	 * @param limit most rows returned
	 * @return the transactions
	 */
	public List<TransactionRecord> findDue(Instant now, String owner, int limit) {
		List<TransactionRecord> due = new ArrayList<>(query("SELECT " + TRANSACTION_COLUMNS + " FROM "
				+ this.transactionTable + " WHERE state IN (?, ?) AND next_attempt_at <= ? AND " + CLAIM_FREE
				+ " ORDER BY next_attempt_at", limit, JdbcTccLogStore::transaction,
				TransactionState.CONFIRMING.name(), TransactionState.CANCELLING.name(), now, now, owner));
		due.addAll(query("SELECT " + TRANSACTION_COLUMNS + " FROM " + this.transactionTable + " WHERE state = ? AND "
				+ "timeout_at <= ? AND " + CLAIM_FREE + " ORDER BY timeout_at", limit, JdbcTccLogStore::transaction,
				TransactionState.TRYING.name(), now, now, owner));
		return due;
	}

	/**
	 * Records the completed phase of branches and, when {@code finished} is given, finishes the transaction, in one
	 * local transaction: one commit for the whole phase two instead of one per branch and one more for the
	 * transaction. Nothing here needs to survive a crash on its own: lost, it only makes recovery deliver those
	 * branches again, which their barriers answer as duplicates.
	 * @param xid global transaction id
	 * @param branchIds the branches whose phase completed
	 * @param state {@link BranchState#CONFIRMED} or {@link BranchState#CANCELLED}
	 * @param finished {@link TransactionState#CONFIRMED} or {@link TransactionState#CANCELLED} to finish the
	 * transaction too (releasing the claim), or {@code null}
	 * @param now current time
	 * @return whether the transaction was finished; {@code false} without {@code finished}, or if a branch is still
	 * enlisted or the state moved on
	 */
	public boolean branchesDone(String xid, List<String> branchIds, BranchState state, TransactionState finished,
			Instant now) {
		Assert.isTrue(state == BranchState.CONFIRMED || state == BranchState.CANCELLED,
				"state must be CONFIRMED or CANCELLED");
		Assert.isTrue(finished == null || finished == TransactionState.CONFIRMED
				|| finished == TransactionState.CANCELLED, "finished must be CONFIRMED, CANCELLED or null");
		if (branchIds.isEmpty() && finished == null) {
			return false;
		}
		ensureSchema();
		return execute((connection) -> {
			connection.setAutoCommit(false);
			boolean committed = false;
			try {
				if (finished != null) {
					// The transaction row first, before any branch row: two instances finishing the same transaction
					// (one took it over) then queue on it. Otherwise each holds its branch rows while the finishing
					// UPDATE, which on MariaDB's repeatable read locks the branch rows it reads, waits for the
					// other's: a deadlock.
					try (PreparedStatement statement = prepare(connection, "SELECT xid FROM " + this.transactionTable
							+ " WHERE xid = ? FOR UPDATE", new Object[] { xid })) {
						statement.executeQuery().close();
					}
				}
				if (!branchIds.isEmpty()) {
					List<Object> args = new ArrayList<>();
					args.add(state.name());
					args.add(xid);
					args.addAll(branchIds);
					args.add(BranchState.ENLISTED.name());
					String in = String.join(", ", Collections.nCopies(branchIds.size(), "?"));
					try (PreparedStatement statement = prepare(connection, "UPDATE " + this.branchTable
							+ " SET state = ?, next_attempt_at = NULL WHERE xid = ? AND branch_id IN (" + in
							+ ") AND state = ?", args.toArray())) {
						statement.executeUpdate();
					}
				}
				boolean done = false;
				if (finished != null) {
					TransactionState from = (finished == TransactionState.CONFIRMED) ? TransactionState.CONFIRMING
							: TransactionState.CANCELLING;
					try (PreparedStatement statement = prepare(connection, "UPDATE " + this.transactionTable
							+ " SET state = ?, finished_at = ?, next_attempt_at = NULL, owner = NULL, claim_until = NULL "
							+ "WHERE xid = ? AND state = ? AND NOT EXISTS (SELECT 1 FROM " + this.branchTable
							+ " b WHERE b.xid = ? AND b.state = ?)", new Object[] { finished.name(), now, xid,
									from.name(), xid, BranchState.ENLISTED.name() })) {
						done = statement.executeUpdate() == 1;
					}
				}
				connection.commit();
				committed = true;
				return done;
			}
			finally {
				if (!committed) {
					rollbackQuietly(connection);
				}
				connection.setAutoCommit(true);
			}
		});
	}

	private static void rollbackQuietly(Connection connection) {
		try {
			connection.rollback();
		}
		catch (SQLException ex) {
			// The statement's own failure is the one to report; a dead connection cannot roll back either.
		}
	}

	/**
	 * Records a failed delivery of a branch.
	 * @param xid global transaction id
	 * @param branchId branch id
	 * @param attempts failed deliveries so far, this one included
	 * @param error what went wrong (cut to {@value #MAX_ERROR_LENGTH} characters)
	 * @param nextAttemptAt when to deliver again
	 */
	public void branchFailed(String xid, String branchId, int attempts, String error, Instant nextAttemptAt) {
		update("UPDATE " + this.branchTable + " SET attempts = ?, last_error = ?, next_attempt_at = ? WHERE xid = ? "
				+ "AND branch_id = ? AND state = ?", attempts, cut(error, MAX_ERROR_LENGTH), nextAttemptAt, xid,
				branchId, BranchState.ENLISTED.name());
	}

	/**
	 * Schedules the next phase-two run of a transaction and releases the claim, so any instance may take it then.
	 * @param xid global transaction id
	 * @param owner instance that held the claim
	 * @param error the last error (cut to {@value #MAX_ERROR_LENGTH} characters)
	 * @param nextAttemptAt when the next run is due
	 */
	public void postpone(String xid, String owner, String error, Instant nextAttemptAt) {
		update("UPDATE " + this.transactionTable + " SET attempts = attempts + 1, last_error = ?, next_attempt_at = ?, "
				+ "owner = NULL, claim_until = NULL WHERE xid = ? AND owner = ? AND state IN (?, ?)",
				cut(error, MAX_ERROR_LENGTH), nextAttemptAt, xid, owner, TransactionState.CONFIRMING.name(),
				TransactionState.CANCELLING.name());
	}

	/**
	 * Marks a transaction as needing a person: phase two failed for longer than the retry time.
	 * @param xid global transaction id
	 * @param failed {@link TransactionState#CONFIRM_FAILED} or {@link TransactionState#CANCEL_FAILED}
	 * @param error the last error
	 * @param now current time
	 */
	public void giveUp(String xid, TransactionState failed, String error, Instant now) {
		TransactionState from = (failed == TransactionState.CONFIRM_FAILED) ? TransactionState.CONFIRMING
				: TransactionState.CANCELLING;
		update("UPDATE " + this.transactionTable + " SET state = ?, attempts = attempts + 1, last_error = ?, "
				+ "finished_at = ?, next_attempt_at = NULL, owner = NULL, claim_until = NULL WHERE xid = ? AND state = ?",
				failed.name(), cut(error, MAX_ERROR_LENGTH), now, xid, from.name());
	}

	/**
	 * Gives a transaction that needs a person another round of retries, once the cause was fixed: it returns to
	 * confirming or cancelling, due at once, with a fresh retry time from {@code now}. Its branches keep their
	 * attempts and are delivered again at once.
	 * @param xid global transaction id
	 * @param now current time
	 * @return whether the transaction was in {@link TransactionState#CONFIRM_FAILED} or
	 * {@link TransactionState#CANCEL_FAILED}
	 */
	public boolean reopen(String xid, Instant now) {
		Optional<TransactionRecord> transaction = needingAPerson(xid);
		if (transaction.isEmpty()) {
			return false;
		}
		TransactionState failed = transaction.get().state();
		TransactionState retried = (failed == TransactionState.CONFIRM_FAILED) ? TransactionState.CONFIRMING
				: TransactionState.CANCELLING;
		update("UPDATE " + this.branchTable + " SET next_attempt_at = NULL WHERE xid = ? AND state = ?", xid,
				BranchState.ENLISTED.name());
		return update("UPDATE " + this.transactionTable + " SET state = ?, decided_at = ?, next_attempt_at = ?, "
				+ "finished_at = NULL WHERE xid = ? AND state = ?", retried.name(), now, now, xid, failed.name()) == 1;
	}

	/** The transaction if it is {@code CONFIRM_FAILED} or {@code CANCEL_FAILED}, else empty. */
	private Optional<TransactionRecord> needingAPerson(String xid) {
		return find(xid).filter((transaction) -> transaction.state() == TransactionState.CONFIRM_FAILED
				|| transaction.state() == TransactionState.CANCEL_FAILED);
	}

	/**
	 * Closes a transaction that needs a person once that person finished its branches by hand: it turns
	 * {@link TransactionState#CONFIRMED} from {@link TransactionState#CONFIRM_FAILED}, or
	 * {@link TransactionState#CANCELLED} from {@link TransactionState#CANCEL_FAILED}, and is never delivered
	 * again. Its last error keeps the history, behind a note that it was resolved by hand.
	 * @param xid global transaction id
	 * @param now current time
	 * @return whether the transaction was in one of the failed states
	 */
	public boolean resolve(String xid, Instant now) {
		Optional<TransactionRecord> transaction = needingAPerson(xid);
		if (transaction.isEmpty()) {
			return false;
		}
		TransactionState failed = transaction.get().state();
		TransactionState resolved = (failed == TransactionState.CONFIRM_FAILED) ? TransactionState.CONFIRMED
				: TransactionState.CANCELLED;
		String lastError = transaction.get().lastError();
		String note = "resolved by hand at " + now + " (was " + failed + ")"
				+ ((lastError != null) ? "; last error: " + lastError : "");
		return update("UPDATE " + this.transactionTable + " SET state = ?, last_error = ?, finished_at = ?, "
				+ "next_attempt_at = NULL WHERE xid = ? AND state = ?", resolved.name(), cut(note, MAX_ERROR_LENGTH),
				now, xid, failed.name()) == 1;
	}

	/**
	 * Deletes one batch of finished transactions (confirmed or cancelled, never the failed ones) with their
	 * branches.
	 * @param finishedBefore only transactions finished before this time
	 * @param batchSize most transactions deleted
	 * @return how many transactions were deleted
	 */
	public int deleteFinished(Instant finishedBefore, int batchSize) {
		List<String> xids = query("SELECT xid FROM " + this.transactionTable + " WHERE state IN (?, ?) AND "
				+ "finished_at < ? ORDER BY finished_at", batchSize, (result) -> result.getString(1),
				TransactionState.CONFIRMED.name(), TransactionState.CANCELLED.name(), finishedBefore);
		if (xids.isEmpty()) {
			return 0;
		}
		String in = String.join(", ", Collections.nCopies(xids.size(), "?"));
		Object[] args = xids.toArray();
		update("DELETE FROM " + this.branchTable + " WHERE xid IN (" + in + ")", args);
		return update("DELETE FROM " + this.transactionTable + " WHERE xid IN (" + in + ")", args);
	}

	/**
	 * One transaction.
	 * @param xid global transaction id
	 * @return the transaction, or empty
	 */
	public Optional<TransactionRecord> find(String xid) {
		return query("SELECT " + TRANSACTION_COLUMNS + " FROM " + this.transactionTable + " WHERE xid = ?", 1,
				JdbcTccLogStore::transaction, xid).stream().findFirst();
	}

	/**
	 * One transaction with its branches, for endpoints and people.
	 * @param xid global transaction id
	 * @return the transaction, or empty
	 */
	public Optional<TransactionDetails> details(String xid) {
		return find(xid).map((transaction) -> new TransactionDetails(transaction, branches(xid)));
	}

	/**
	 * The branches of a transaction in the order they were enlisted.
	 * @param xid global transaction id
	 * @return the branches
	 */
	public List<BranchRecord> branches(String xid) {
		List<BranchRecord> branches = new ArrayList<>(query("SELECT " + BRANCH_COLUMNS + " FROM " + this.branchTable
				+ " WHERE xid = ?", Integer.MAX_VALUE, JdbcTccLogStore::branch, xid));
		// Branch ids are counters as text: order numerically, not as the database sorts strings.
		branches.sort(java.util.Comparator.comparingInt((BranchRecord b) -> b.branchId().length())
			.thenComparing(BranchRecord::branchId));
		return branches;
	}

	/**
	 * Transactions in some states created before a time, oldest first: for endpoints and people.
	 * @param states states to list; all when empty
	 * @param createdBefore only transactions created before this time; all when {@code null}
	 * @param limit most rows returned
	 * @return the transactions
	 */
	public List<TransactionRecord> list(Collection<TransactionState> states, Instant createdBefore, int limit) {
		StringBuilder sql = new StringBuilder("SELECT " + TRANSACTION_COLUMNS + " FROM " + this.transactionTable
				+ " WHERE 1 = 1");
		List<Object> args = new ArrayList<>();
		if (!states.isEmpty()) {
			sql.append(" AND state IN (").append(String.join(", ", Collections.nCopies(states.size(), "?")))
				.append(")");
			states.forEach((state) -> args.add(state.name()));
		}
		if (createdBefore != null) {
			sql.append(" AND created_at < ?");
			args.add(createdBefore);
		}
		sql.append(" ORDER BY created_at");
		return query(sql.toString(), limit, JdbcTccLogStore::transaction, args.toArray());
	}

	private int update(String sql, Object... args) {
		ensureSchema();
		return execute((connection) -> {
			try (PreparedStatement statement = prepare(connection, sql, args)) {
				return statement.executeUpdate();
			}
		});
	}

	private <T> List<T> query(String sql, int limit, RowReader<T> reader, Object... args) {
		ensureSchema();
		return execute((connection) -> {
			try (PreparedStatement statement = prepare(connection, sql, args)) {
				if (limit < Integer.MAX_VALUE) {
					statement.setMaxRows(limit);
				}
				List<T> rows = new ArrayList<>();
				try (ResultSet result = statement.executeQuery()) {
					while (result.next() && rows.size() < limit) {
						rows.add(reader.read(result));
					}
				}
				return rows;
			}
		});
	}

	/**
	 * Runs on a connection whose reads give up after the network timeout: a database that accepts the connection
	 * and never answers must not hang the caller (the query timeout alone cannot end it, its cancel request goes
	 * over the same dead network).
	 */
	private <T> T execute(ConnectionCallback<T> action) {
		return this.jdbc.execute((connection) -> {
			int previous = networkTimeout(connection, this.networkTimeoutMillis);
			try {
				return action.doInConnection(connection);
			}
			finally {
				if (previous >= 0) {
					networkTimeout(connection, previous);
				}
			}
		});
	}

	/** Sets the network timeout and returns the one before, or -1 when the driver has none (H2 embedded). */
	private static int networkTimeout(Connection connection, int millis) throws SQLException {
		try {
			int previous = connection.getNetworkTimeout();
			connection.setNetworkTimeout(Runnable::run, millis);
			return previous;
		}
		catch (SQLFeatureNotSupportedException | UnsupportedOperationException ex) {
			return -1;
		}
	}

	private void ensureSchema() {
		if (this.schemaReady) {
			return;
		}
		this.jdbc.product();
		synchronized (this.schemaMonitor) {
			if (!this.schemaReady) {
				if (this.createSchema.getAsBoolean()) {
					createSchema();
				}
				else {
					// The application manages the tables; do not ask again.
					this.schemaReady = true;
				}
			}
		}
	}

	private PreparedStatement prepare(Connection connection, String sql, Object[] args) throws SQLException {
		PreparedStatement statement = connection.prepareStatement(sql);
		try {
			statement.setQueryTimeout(this.queryTimeoutSeconds);
			for (int i = 0; i < args.length; i++) {
				Object arg = args[i];
				if (arg instanceof Instant instant) {
					statement.setObject(i + 1, LocalDateTime.ofInstant(instant, ZoneOffset.UTC));
				}
				else if (arg == null) {
					statement.setNull(i + 1, java.sql.Types.VARCHAR);
				}
				else {
					statement.setObject(i + 1, arg);
				}
			}
			return statement;
		}
		catch (SQLException | RuntimeException ex) {
			statement.close();
			throw ex;
		}
	}

	private static TransactionRecord transaction(ResultSet result) throws SQLException {
		return new TransactionRecord(result.getString("xid"), result.getString("name"),
				TransactionState.valueOf(result.getString("state")), instant(result, "created_at"),
				instant(result, "timeout_at"), instant(result, "decided_at"), instant(result, "finished_at"),
				instant(result, "next_attempt_at"), result.getInt("attempts"), result.getString("owner"),
				instant(result, "claim_until"), result.getString("last_error"));
	}

	private static BranchRecord branch(ResultSet result) throws SQLException {
		return new BranchRecord(result.getString("xid"), result.getString("branch_id"), result.getString("transport"),
				result.getString("address"), BranchState.valueOf(result.getString("state")), result.getInt("attempts"),
				result.getString("last_error"), instant(result, "next_attempt_at"), instant(result, "created_at"));
	}

	private static Instant instant(ResultSet result, String column) throws SQLException {
		LocalDateTime value = result.getObject(column, LocalDateTime.class);
		return (value != null) ? value.toInstant(ZoneOffset.UTC) : null;
	}

	/**
	 * Text as a column can hold it: at most {@code length} characters, no half surrogate pair, and no control
	 * character but tab and line breaks (PostgreSQL refuses NUL in text; an error message with one must not fail
	 * the statement that records the error, or the back-off and the retry time would never apply).
	 */
	private static String cut(String text, int length) {
		if (text == null) {
			return null;
		}
		StringBuilder kept = new StringBuilder(Math.min(text.length(), length));
		for (int i = 0; i < text.length() && kept.length() < length; i++) {
			char c = text.charAt(i);
			if (Character.isISOControl(c) && c != '\t' && c != '\n' && c != '\r') {
				kept.append('?');
			}
			else if (Character.isHighSurrogate(c) && (kept.length() + 1 >= length || i + 1 >= text.length()
					|| !Character.isLowSurrogate(text.charAt(i + 1)))) {
				kept.append('?');
			}
			else if (Character.isHighSurrogate(c)) {
				kept.append(c).append(text.charAt(++i));
			}
			else if (Character.isLowSurrogate(c)) {
				kept.append('?');
			}
			else {
				kept.append(c);
			}
		}
		return kept.toString();
	}

	@Override
	public String toString() {
		return "tables '" + this.transactionTable + "' and '" + this.branchTable + "'";
	}

	@FunctionalInterface
	private interface RowReader<T> {

		T read(ResultSet result) throws SQLException;

	}

}
