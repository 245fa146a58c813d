package io.distcore.tcc.participant;

import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;

/**
 * The participant's barrier on PostgreSQL.
 */
class TccParticipantPostgreSqlTests extends AbstractTccParticipantTests {

	@Override
	protected JdbcEndpoint endpoint() {
		return TestServices.postgres();
	}

}
