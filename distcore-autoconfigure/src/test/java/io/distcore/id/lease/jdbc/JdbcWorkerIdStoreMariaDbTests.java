package io.distcore.id.lease.jdbc;

import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;

/**
 * The JDBC store on MariaDb.
 */
class JdbcWorkerIdStoreMariaDbTests extends AbstractJdbcWorkerIdStoreTests {

	@Override
	protected JdbcEndpoint endpoint() {
		return TestServices.mariadb();
	}

}
