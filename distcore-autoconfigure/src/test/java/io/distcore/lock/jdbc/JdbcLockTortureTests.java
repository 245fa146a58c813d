package io.distcore.lock.jdbc;

import io.distcore.lock.AbstractLockTortureTests;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;

import org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration;

/**
 * Two contexts locking through the same PostgreSQL table.
 */
class JdbcLockTortureTests extends AbstractLockTortureTests {

	@Override
	protected String[] backendProperties() {
		JdbcEndpoint postgres = TestServices.postgres();
		return new String[] { "distcore.lock.backend=jdbc", "distcore.lock.jdbc.initialize-schema=always",
				"spring.datasource.url=" + postgres.url(), "spring.datasource.username=" + postgres.username(),
				"spring.datasource.password=" + postgres.password() };
	}

	@Override
	protected Class<?>[] infrastructure() {
		return new Class<?>[] { DataSourceAutoConfiguration.class };
	}

}
