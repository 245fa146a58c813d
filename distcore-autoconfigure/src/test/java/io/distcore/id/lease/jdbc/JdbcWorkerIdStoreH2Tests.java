package io.distcore.id.lease.jdbc;

import java.util.UUID;

import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;

/**
 * The JDBC store on H2.
 */
class JdbcWorkerIdStoreH2Tests extends AbstractJdbcWorkerIdStoreTests {

	@Override
	protected JdbcEndpoint endpoint() {
		return TestServices.h2("worker-lease-" + UUID.randomUUID());
	}

}
