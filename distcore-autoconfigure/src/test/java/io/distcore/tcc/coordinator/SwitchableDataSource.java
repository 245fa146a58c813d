package io.distcore.tcc.coordinator;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;

import javax.sql.DataSource;

import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * A data source that can be switched off: while off, no connection is handed out, as when the database is down.
 */
public final class SwitchableDataSource extends DelegatingDataSource {

	private volatile boolean down;

	public SwitchableDataSource(DataSource target) {
		super(target);
	}

	public void down(boolean down) {
		this.down = down;
	}

	@Override
	public Connection getConnection() throws SQLException {
		if (this.down) {
			throw new SQLTransientConnectionException("database switched off by the test");
		}
		return super.getConnection();
	}

	@Override
	public Connection getConnection(String username, String password) throws SQLException {
		if (this.down) {
			throw new SQLTransientConnectionException("database switched off by the test");
		}
		return super.getConnection(username, password);
	}

}
