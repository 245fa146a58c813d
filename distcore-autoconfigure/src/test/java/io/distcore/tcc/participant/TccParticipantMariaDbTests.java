package io.distcore.tcc.participant;

import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;

/**
 * The participant's barrier on MariaDB at its default REPEATABLE READ isolation.
 */
class TccParticipantMariaDbTests extends AbstractTccParticipantTests {

	@Override
	protected JdbcEndpoint endpoint() {
		return TestServices.mariadb();
	}

}
