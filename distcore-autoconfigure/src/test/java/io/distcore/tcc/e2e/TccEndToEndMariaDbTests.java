package io.distcore.tcc.e2e;

import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;

/**
 * TCC end to end on MariaDb.
 */
class TccEndToEndMariaDbTests extends AbstractTccEndToEndTests {

	private final JdbcEndpoint database = TestServices.mariadb();

	@Override
	protected JdbcEndpoint database() {
		return this.database;
	}

}
