package io.distcore.tcc.e2e;

import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;

/**
 * TCC end to end on H2.
 */
class TccEndToEndH2Tests extends AbstractTccEndToEndTests {

	private final JdbcEndpoint database = TestServices.h2("tcc_e2e_" + System.nanoTime());

	@Override
	protected JdbcEndpoint database() {
		return this.database;
	}

}
