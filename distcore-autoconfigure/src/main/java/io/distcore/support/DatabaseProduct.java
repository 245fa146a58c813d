package io.distcore.support;

/**
 * Database products whose SQL distcore speaks, told apart by the product name their JDBC driver reports.
 */
public enum DatabaseProduct {

	/** PostgreSQL. */
	POSTGRESQL("postgresql"),

	/** MariaDB, standing in for MySQL too: both share the statements distcore uses. */
	MARIADB("mariadb"),

	/** H2, usually embedded. */
	H2("h2");

	private final String id;

	DatabaseProduct(String id) {
		this.id = id;
	}

	/**
	 * Short lower-case name, used in resource names such as {@code schema-postgresql.sql}.
	 * @return the id
	 */
	public String id() {
		return this.id;
	}

	/**
	 * The product for a {@link java.sql.DatabaseMetaData#getDatabaseProductName() product name}.
	 * @param productName product name reported by the driver
	 * @return the product
	 * @throws IllegalStateException if distcore does not support the product
	 */
	public static DatabaseProduct of(String productName) {
		return switch (productName) {
			case "PostgreSQL" -> POSTGRESQL;
			case "MariaDB", "MySQL" -> MARIADB;
			case "H2" -> H2;
			default -> throw new IllegalStateException(
					"distcore does not support the database " + productName + "; supported: PostgreSQL, MariaDB, MySQL, H2");
		};
	}

}
