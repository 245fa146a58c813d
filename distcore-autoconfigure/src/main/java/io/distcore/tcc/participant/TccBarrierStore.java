package io.distcore.tcc.participant;

import java.time.Clock;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import io.distcore.support.AutoCommitJdbc;
import io.distcore.support.DatabaseProduct;
import io.distcore.tcc.Phase;
import io.distcore.tcc.TccException;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.BadSqlGrammarException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.SingleConnectionDataSource;
import org.springframework.util.Assert;

/**
 * The barrier table on the participant's {@code DataSource}: one row per branch and phase, unique on (xid,
 * branch, phase). Every row is inserted first and the insert's row count decides what runs, never a select
 * before the insert, so concurrent deliveries of a phase wait on the database's key lock instead of racing.
 * <p>
 * Row statements go through a {@link JdbcTemplate} on the same {@code DataSource} as the business work and join
 * the local transaction the caller opened; the schema and the clean-up run auto-committed on their own
 * connections. Times are UTC from the participant's clock.
 */
public final class TccBarrierStore {

	private static final String TABLE = "distcore_tcc_barrier";

	private static final String INDEX = "distcore_tcc_barrier_created";

	private final JdbcTemplate jdbc;

	private final AutoCommitJdbc autoCommit;

	private final String table;

	private final BooleanSupplier createSchema;

	private final Clock clock;

	private volatile DatabaseProduct product;

	private volatile boolean schemaChecked;

	/**
	 * Creates the store; nothing is read from the database until the first use.
	 * @param dataSource the participant's database, the one its business work runs on
	 * @param table barrier table name (see {@link AutoCommitJdbc#isValidTableName})
	 * @param createSchema asked once, at the first use, whether to create the table
	 * @param clock source of {@code created_at}
	 */
	public TccBarrierStore(DataSource dataSource, String table, BooleanSupplier createSchema, Clock clock) {
		Assert.isTrue(AutoCommitJdbc.isValidTableName(table), () -> "Invalid barrier table name '" + table + "'");
		this.jdbc = new JdbcTemplate(dataSource);
		this.autoCommit = new AutoCommitJdbc(dataSource);
		this.table = table;
		this.createSchema = createSchema;
		this.clock = clock;
	}

	/**
	 * Creates the table at the first use if the setting says so. Runs outside the caller's transaction (MariaDB
	 * commits a transaction on DDL), so it must be called before the local transaction opens.
	 */
	void ensureSchema() {
		if (this.schemaChecked) {
			return;
		}
		synchronized (this) {
			if (this.schemaChecked) {
				return;
			}
			DatabaseProduct current = product();
			if (this.createSchema.getAsBoolean()) {
				String unqualified = this.table.substring(this.table.lastIndexOf('.') + 1);
				String script = AutoCommitJdbc.loadScript(TccBarrierStore.class, "barrier-" + current.id() + ".sql")
					.replace(INDEX, unqualified + "_created")
					.replace(TABLE, this.table);
				this.autoCommit.execute((connection) -> {
					try (var statement = connection.createStatement()) {
						for (String sql : script.split(";\\s*\n")) {
							String trimmed = stripComments(sql);
							if (!trimmed.isEmpty()) {
								statement.execute(trimmed);
							}
						}
					}
					return null;
				});
			}
			this.schemaChecked = true;
		}
	}

	/**
	 * Inserts a barrier row unless one exists for the branch and phase; waits for a concurrent transaction that
	 * inserted it to end.
	 * @return {@code true} if this call inserted it
	 */
	boolean insert(String xid, String branchId, Phase phase, String action, Phase origin, String payload) {
		Object[] values = { xid, branchId, phase.name(), action, origin.name(), payload,
				LocalDateTime.ofInstant(this.clock.instant(), ZoneOffset.UTC) };
		String columns = this.table + " (xid, branch_id, phase, action, origin, payload, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)";
		try {
			return insert(columns, values);
		}
		catch (BadSqlGrammarException ex) {
			throw new TccException("Could not write to the TCC barrier table " + this.table + " (does it exist? "
					+ "Set distcore.tcc.initialize-schema=always, or create it with io/distcore/tcc/participant/barrier-"
					+ product().id() + ".sql): " + ex.getMostSpecificCause().getMessage(), ex);
		}
	}

	private boolean insert(String columns, Object[] values) {
		return switch (product()) {
			case POSTGRESQL -> this.jdbc.update("INSERT INTO " + columns + " ON CONFLICT DO NOTHING", values) == 1;
			// Values are checked for length before, so IGNORE can only swallow the duplicate key.
			case MARIADB -> this.jdbc.update("INSERT IGNORE INTO " + columns, values) == 1;
			case H2 -> {
				try {
					// In H2 a failed statement rolls back only itself; the transaction goes on.
					yield this.jdbc.update("INSERT INTO " + columns, values) == 1;
				}
				catch (DuplicateKeyException ex) {
					yield false;
				}
			}
		};
	}

	/**
	 * The branch's TRY row: the try's, or the marker of an empty rollback.
	 * @return the row, or {@code null}
	 */
	TryRow tryRow(String xid, String branchId) {
		List<TryRow> rows = this.jdbc.query(
				"SELECT action, origin, payload FROM " + this.table + " WHERE xid = ? AND branch_id = ? AND phase = 'TRY'",
				(rs, n) -> new TryRow(rs.getString(1), Phase.valueOf(rs.getString(2)), rs.getString(3)), xid, branchId);
		return rows.isEmpty() ? null : rows.get(0);
	}

	void storePayload(String xid, String branchId, String payload) {
		int updated = this.jdbc.update(
				"UPDATE " + this.table + " SET payload = ? WHERE xid = ? AND branch_id = ? AND phase = 'TRY'", payload,
				xid, branchId);
		Assert.state(updated == 1, () -> "The TRY row of branch " + branchId + " of " + xid + " vanished");
	}

	/**
	 * Deletes the rows of branches that finished (confirmed or cancelled) more than {@code retention} ago, in
	 * batches, each batch committed on its own. Branches that only tried are never deleted: their confirm or
	 * cancel still needs the try's row.
	 * @param retention how long finished branches stay
	 * @param batchSize branches per batch
	 * @return branches deleted
	 */
	public int purge(Duration retention, int batchSize) {
		Assert.isTrue(retention != null && !retention.isNegative(), "retention must not be negative");
		Assert.isTrue(batchSize > 0, "batchSize must be positive");
		ensureSchema();
		LocalDateTime cutoff = LocalDateTime.ofInstant(this.clock.instant().minus(retention), ZoneOffset.UTC);
		int total = 0;
		while (true) {
			int deleted = this.autoCommit.execute((connection) -> {
				JdbcTemplate template = new JdbcTemplate(new SingleConnectionDataSource(connection, true));
				List<Object[]> keys = template.query("SELECT xid, branch_id FROM " + this.table
						+ " WHERE phase IN ('CONFIRM', 'CANCEL') AND created_at < ? ORDER BY created_at LIMIT ?",
						(rs, n) -> new Object[] { rs.getString(1), rs.getString(2) }, cutoff, batchSize);
				if (!keys.isEmpty()) {
					template.batchUpdate("DELETE FROM " + this.table + " WHERE xid = ? AND branch_id = ?", keys);
				}
				return keys.size();
			});
			total += deleted;
			if (deleted < batchSize) {
				return total;
			}
		}
	}

	String table() {
		return this.table;
	}

	private DatabaseProduct product() {
		DatabaseProduct known = this.product;
		if (known == null) {
			known = this.autoCommit.product();
			this.product = known;
		}
		return known;
	}

	private static String stripComments(String sql) {
		StringBuilder kept = new StringBuilder();
		for (String line : sql.split("\n")) {
			if (!line.trim().startsWith("--")) {
				kept.append(line).append('\n');
			}
		}
		return kept.toString().trim();
	}

	/**
	 * A branch's TRY row.
	 * @param action the action the try ran, {@code null} for an empty rollback's marker
	 * @param origin {@link Phase#TRY} when the try wrote it, {@link Phase#CANCEL} for an empty rollback's marker
	 * @param payload the try's arguments and values as JSON
	 */
	record TryRow(String action, Phase origin, String payload) {
	}

}
