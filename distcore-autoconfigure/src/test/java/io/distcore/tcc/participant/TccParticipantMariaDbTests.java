package io.distcore.tcc.participant;

import java.sql.Connection;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The participant's barrier on MariaDB at its default REPEATABLE READ isolation, where Seata's fence deadlocks.
 */
class TccParticipantMariaDbTests extends AbstractTccParticipantTests {

	@Override
	protected JdbcEndpoint endpoint() {
		return TestServices.mariadb();
	}

	@Test
	void theseTestsRunAtRepeatableRead() throws Exception {
		try (HikariDataSource dataSource = endpoint().dataSource(1); Connection connection = dataSource.getConnection()) {
			assertThat(connection.getTransactionIsolation()).isEqualTo(Connection.TRANSACTION_REPEATABLE_READ);
		}
	}

}
