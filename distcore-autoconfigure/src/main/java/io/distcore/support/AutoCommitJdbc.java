package io.distcore.support;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;

import javax.sql.DataSource;

import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DelegatingDataSource;
import org.springframework.util.Assert;

/**
 * Runs distcore's own statements on pooled connections of the application's database, auto-committed and
 * outside any transaction of the caller: what distcore writes is visible to every process at once and survives
 * the caller's rollback. Each call takes one connection of the pool besides those the caller holds.
 */
public final class AutoCommitJdbc {

	private static final Pattern TABLE_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

	private final JdbcTemplate jdbcTemplate;

	private final AtomicReference<DatabaseProduct> product = new AtomicReference<>();

	/**
	 * Creates the helper; nothing is read from the database until the first call.
	 * @param dataSource the application's database
	 */
	public AutoCommitJdbc(DataSource dataSource) {
		Assert.notNull(dataSource, "DataSource must not be null");
		// The template must not see a caller's transaction: Spring binds those to the DataSource object itself.
		this.jdbcTemplate = new JdbcTemplate(new DelegatingDataSource(dataSource));
	}

	/**
	 * Whether a table name is safe to put into SQL: letters, digits and {@code _}, not starting with a digit,
	 * optionally prefixed by a schema name of the same form and a dot.
	 * @param tableName candidate
	 * @return {@code true} if it may be spliced into a statement
	 */
	public static boolean isValidTableName(String tableName) {
		return tableName != null && TABLE_NAME.matcher(tableName).matches();
	}

	/**
	 * Runs an action on a connection in auto-commit mode, restoring the pool's mode afterwards.
	 * @param <T> result type
	 * @param action the statements
	 * @return what the action returned
	 * @throws DataAccessException if the database cannot be reached or refuses a statement
	 */
	public <T> T execute(ConnectionCallback<T> action) {
		return this.jdbcTemplate.execute((ConnectionCallback<T>) (connection) -> {
			// Pools may hand out connections with auto-commit off; distcore's rows must commit on their own.
			if (connection.getAutoCommit()) {
				return action.doInConnection(connection);
			}
			connection.setAutoCommit(true);
			try {
				return action.doInConnection(connection);
			}
			finally {
				connection.setAutoCommit(false);
			}
		});
	}

	/**
	 * The product of the database, asked of the driver at the first call and remembered.
	 * @return the product
	 * @throws DataAccessException if the database cannot be reached
	 * @throws IllegalStateException if the product is not supported
	 */
	public DatabaseProduct product() {
		DatabaseProduct known = this.product.get();
		if (known != null) {
			return known;
		}
		String name = this.jdbcTemplate
			.execute((ConnectionCallback<String>) (connection) -> connection.getMetaData().getDatabaseProductName());
		DatabaseProduct detected = DatabaseProduct.of(name);
		this.product.compareAndSet(null, detected);
		return detected;
	}

	/**
	 * Reads a SQL script from the class path.
	 * @param anchor class whose package holds the script
	 * @param resource name relative to that package
	 * @return the script text
	 * @throws IllegalStateException if it is missing or unreadable
	 */
	public static String loadScript(Class<?> anchor, String resource) {
		try (InputStream in = anchor.getResourceAsStream(resource)) {
			Assert.state(in != null,
					() -> "Missing class-path resource " + resource + " next to " + anchor.getSimpleName());
			return new String(in.readAllBytes(), StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Could not read " + resource, ex);
		}
	}

}
