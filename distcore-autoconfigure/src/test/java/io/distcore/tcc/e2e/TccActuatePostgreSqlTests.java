package io.distcore.tcc.e2e;

import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;

/**
 * The TCC endpoints and health on PostgreSQL.
 */
class TccActuatePostgreSqlTests extends AbstractTccActuateTests {

	private final JdbcEndpoint database = TestServices.postgres();

	@Override
	protected JdbcEndpoint database() {
		return this.database;
	}

}
