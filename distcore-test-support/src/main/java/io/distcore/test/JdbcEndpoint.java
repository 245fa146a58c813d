package io.distcore.test;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;

/**
 * Connection details of a database that answered {@code select 1} when it was handed out.
 *
 * @param name short name of the database kind ({@code postgresql}, {@code mariadb}, {@code h2})
 * @param url JDBC URL
 * @param username user name
 * @param password password, may be empty
 */
public record JdbcEndpoint(String name, String url, String username, String password) {

	/**
	 * A pooled data source for this database; the caller closes it.
	 * @param maximumPoolSize largest number of connections the pool opens
	 * @return a new pool
	 */
	public HikariDataSource dataSource(int maximumPoolSize) {
		HikariConfig config = new HikariConfig();
		config.setJdbcUrl(this.url);
		config.setUsername(this.username);
		config.setPassword(this.password);
		config.setMaximumPoolSize(maximumPoolSize);
		config.setConnectionTimeout(5_000);
		return new HikariDataSource(config);
	}

	@Override
	public String toString() {
		return this.name + " " + this.url;
	}

}
