package io.distcore.tcc.coordinator;

import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;

/**
 * The coordinator's contract on H2.
 */
class TccCoordinatorH2Tests extends AbstractTccCoordinatorTests {

	@Override
	protected JdbcEndpoint endpoint() {
		return TestServices.h2("tcc" + java.util.UUID.randomUUID());
	}

}
