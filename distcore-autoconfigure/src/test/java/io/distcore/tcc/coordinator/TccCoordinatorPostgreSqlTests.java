package io.distcore.tcc.coordinator;

import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;

/**
 * The coordinator's contract on PostgreSQL.
 */
class TccCoordinatorPostgreSqlTests extends AbstractTccCoordinatorTests {

	@Override
	protected JdbcEndpoint endpoint() {
		return TestServices.postgres();
	}

	@Test
	@Override
	protected void networkDeathInTheMiddleOfTheCompletionRollsItBackAndTheNextAttemptFinishes() throws Throwable {
		super.networkDeathInTheMiddleOfTheCompletionRollsItBackAndTheNextAttemptFinishes();
	}

}
