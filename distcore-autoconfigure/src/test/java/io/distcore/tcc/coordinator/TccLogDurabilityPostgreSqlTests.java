package io.distcore.tcc.coordinator;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DelegatingDataSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Which of the log's writes PostgreSQL may commit without waiting for the WAL flush: only those recovery redoes
 * (the transaction row before its first branch, the completion of phase two). A branch row and a decision are
 * what recovery acts on, so they are always flushed before the call returns. Checked on the statements the store
 * sends, grouped by the local transaction they commit in.
 */
class TccLogDurabilityPostgreSqlTests {

	private static final String RELAXED = "SET LOCAL synchronous_commit TO OFF";

	private final String prefix = "tccdur" + UUID.randomUUID().toString().replace("-", "").substring(0, 8) + "_";

	private final HikariDataSource pool = TestServices.postgres().dataSource(2);

	/** Statements of each committed unit, in order: one per auto-committed statement, one per transaction. */
	private final List<List<String>> committed = new ArrayList<>();

	private final List<String> open = new ArrayList<>();

	@AfterEach
	void dropTables() {
		JdbcTemplate jdbc = new JdbcTemplate(this.pool);
		jdbc.execute("drop table if exists " + this.prefix + "branch");
		jdbc.execute("drop table if exists " + this.prefix + "transaction");
		this.pool.close();
	}

	@Test
	void onlyWritesRecoveryRedoesSkipTheFlush() {
		JdbcTccLogStore store = new JdbcTccLogStore(recording(this.pool), this.prefix, Duration.ofSeconds(5), () -> true);
		Instant now = Instant.now();
		store.insertTransaction("x1", "order", now, now.plusSeconds(60), "me");
		assertThat(store.insertBranch("x1", "b1", "local", "order", now)).isTrue();
		assertThat(store.insertBranch("x1", "b2", "http", "http://stock", now)).isTrue();
		assertThat(store.decide("x1", TransactionState.CONFIRMING, now, "me", now.plusSeconds(60))).isTrue();
		assertThat(store.branchesDone("x1", List.of("b1", "b2"), BranchState.CONFIRMED, TransactionState.CONFIRMED,
				Instant.now())).isTrue();
		assertThat(store.find("x1").orElseThrow().state()).isEqualTo(TransactionState.CONFIRMED);

		List<List<String>> writes = this.committed.stream()
			.filter((unit) -> unit.stream().anyMatch((sql) -> sql.startsWith("INSERT") || sql.startsWith("UPDATE")))
			.toList();
		for (List<String> unit : writes) {
			String first = unit.stream().filter((sql) -> !sql.equals(RELAXED)).findFirst().orElseThrow();
			boolean relaxed = unit.contains(RELAXED);
			if (first.startsWith("INSERT INTO " + this.prefix + "transaction")
					|| first.startsWith("SELECT xid FROM " + this.prefix + "transaction")) {
				assertThat(relaxed).as("redoable: %s", unit).isTrue();
			}
			else {
				assertThat(relaxed).as("must be flushed before it returns: %s", unit).isFalse();
			}
		}
		assertThat(writes).as("transaction, two branches, decision, completion").hasSize(5);
	}

	/** Records what each connection prepares or executes and when it commits. */
	private DataSource recording(DataSource target) {
		return new DelegatingDataSource(target) {
			@Override
			public Connection getConnection() throws java.sql.SQLException {
				Connection connection = super.getConnection();
				return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] { Connection.class },
						(proxy, method, args) -> {
							Object result;
							try {
								result = method.invoke(connection, args);
							}
							catch (InvocationTargetException ex) {
								throw ex.getCause();
							}
							record(connection, method.getName(), args);
							if (result instanceof java.sql.Statement statement && method.getName().equals("createStatement")) {
								return statementRecording(connection, statement);
							}
							return result;
						});
			}
		};
	}

	private java.sql.Statement statementRecording(Connection connection, java.sql.Statement target) {
		return (java.sql.Statement) Proxy.newProxyInstance(getClass().getClassLoader(),
				new Class<?>[] { java.sql.Statement.class }, (proxy, method, args) -> {
					if (method.getName().startsWith("execute") && args != null && args.length > 0
							&& args[0] instanceof String sql) {
						record(connection, "prepareStatement", new Object[] { sql });
					}
					try {
						return method.invoke(target, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
				});
	}

	private synchronized void record(Connection connection, String method, Object[] args) throws java.sql.SQLException {
		switch (method) {
			case "prepareStatement" -> {
				this.open.add(normalize((String) args[0]));
				if (connection.getAutoCommit()) {
					this.committed.add(List.copyOf(this.open));
					this.open.clear();
				}
			}
			case "commit" -> {
				this.committed.add(List.copyOf(this.open));
				this.open.clear();
			}
			case "rollback" -> this.open.clear();
			default -> {
			}
		}
	}

	private static String normalize(String sql) {
		String text = sql.trim().replaceAll("\\s+", " ");
		return text.equalsIgnoreCase(RELAXED) ? RELAXED : text;
	}

}
