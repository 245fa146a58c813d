package io.distcore.id.lease.jdbc;

import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;

/**
 * The JDBC store on PostgreSql.
 */
class JdbcWorkerIdStorePostgreSqlTests extends AbstractJdbcWorkerIdStoreTests {

	@Override
	protected JdbcEndpoint endpoint() {
		return TestServices.postgres();
	}

}
