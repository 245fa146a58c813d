package io.distcore.tcc.participant;

import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;

/**
 * The participant's barrier on H2.
 */
class TccParticipantH2Tests extends AbstractTccParticipantTests {

	@Override
	protected JdbcEndpoint endpoint() {
		return TestServices.h2("tcc-participant-" + java.util.UUID.randomUUID());
	}

}
