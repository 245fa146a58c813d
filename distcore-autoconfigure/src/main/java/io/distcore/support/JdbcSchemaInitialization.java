package io.distcore.support;

import java.util.function.BooleanSupplier;

import javax.sql.DataSource;

import org.springframework.boot.jdbc.EmbeddedDatabaseConnection;

/**
 * An {@code initialize-schema} setting as the decision a table's owner takes at its first use: nothing here
 * contacts the database at startup. Touches spring-boot-jdbc types; load it only once they are known to be
 * present.
 */
public final class JdbcSchemaInitialization {

	private JdbcSchemaInitialization() {
	}

	/**
	 * Whether a store on {@code dataSource} creates its table, asked at its first use.
	 * @param initialize the configured setting
	 * @param dataSource the database
	 * @param property the setting's property, for the message when it is not set
	 * @return the decision; for {@code embedded} it looks at the database each time it is asked
	 * @throws IllegalStateException naming the property when it is not set
	 */
	public static BooleanSupplier createSchema(InitializeSchema initialize, DataSource dataSource, String property) {
		if (initialize == null) {
			throw new IllegalStateException(property + " must be one of always, embedded, never");
		}
		return switch (initialize) {
			case ALWAYS -> () -> true;
			case EMBEDDED -> () -> EmbeddedDatabaseConnection.isEmbedded(dataSource);
			case NEVER -> () -> false;
		};
	}

}
