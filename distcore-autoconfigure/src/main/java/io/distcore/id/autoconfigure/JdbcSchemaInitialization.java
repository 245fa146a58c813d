package io.distcore.id.autoconfigure;

import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import io.distcore.support.InitializeSchema;

import org.springframework.boot.jdbc.EmbeddedDatabaseConnection;

/**
 * {@code distcore.id.jdbc.initialize-schema} as the decision the id tables' stores take at their first use:
 * nothing here contacts the database at startup. Touches spring-boot-jdbc types; loaded only once they are known
 * to be present.
 */
final class JdbcSchemaInitialization {

	private JdbcSchemaInitialization() {
	}

	/**
	 * Whether a store on {@code dataSource} creates its table, asked at its first use.
	 * @param initialize the configured setting
	 * @param dataSource the database
	 * @return the decision; for {@code embedded} it looks at the database each time it is asked
	 * @throws IllegalStateException naming the property when it is not set
	 */
	static BooleanSupplier createSchema(InitializeSchema initialize, DataSource dataSource) {
		if (initialize == null) {
			throw new IllegalStateException(
					"distcore.id.jdbc.initialize-schema must be one of always, embedded, never");
		}
		return switch (initialize) {
			case ALWAYS -> () -> true;
			case EMBEDDED -> () -> EmbeddedDatabaseConnection.isEmbedded(dataSource);
			case NEVER -> () -> false;
		};
	}

}
