package io.distcore.tcc.e2e;

import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;

/**
 * The TCC endpoints and health on H2.
 */
class TccActuateH2Tests extends AbstractTccActuateTests {

	private final JdbcEndpoint database = TestServices.h2("tcc_actuate_" + System.nanoTime());

	@Override
	protected JdbcEndpoint database() {
		return this.database;
	}

}
