package io.distcore.tcc.e2e;

import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;

/**
 * TCC end to end on PostgreSql.
 */
class TccEndToEndPostgreSqlTests extends AbstractTccEndToEndTests {

	private final JdbcEndpoint database = TestServices.postgres();

	@Override
	protected JdbcEndpoint database() {
		return this.database;
	}

}
