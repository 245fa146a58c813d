package io.distcore.tcc.actuate;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.UUID;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.tcc.coordinator.JdbcTccLogStore;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TcpProxy;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;

import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.Status;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The TCC health check on PostgreSQL behind a proxy that can stop answering: a log that hangs makes the check DOWN
 * within its timeout, far sooner than the log's own query timeout, and checks do not queue behind a hung one.
 */
class TccHealthIndicatorTests {

	private final String prefix = "tcch_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10) + "_";

	/** One check right after another, as a load balancer's probes and a dashboard make them. */
	@Test
	void checksOneAfterAnotherOnAHealthyLogAreAllUp() throws Exception {
		JdbcEndpoint postgres = TestServices.postgres();
		try (HikariDataSource dataSource = postgres.dataSource(2)) {
			JdbcTccLogStore store = new JdbcTccLogStore(dataSource, this.prefix, Duration.ofSeconds(5), () -> true);
			TccHealthIndicator indicator = new TccHealthIndicator(store, Clock.systemUTC(), Duration.ofMinutes(10),
					new Status("DEGRADED"), Duration.ofSeconds(10));
			try {
				for (int i = 0; i < 300; i++) {
					Health health = indicator.health();
					assertThat(health.getStatus()).as("check %d: %s", i, health.getDetails()).isEqualTo(Status.UP);
				}
			}
			finally {
				indicator.destroy();
				JdbcTemplate jdbc = new JdbcTemplate(dataSource);
				jdbc.execute("drop table if exists " + this.prefix + "branch");
				jdbc.execute("drop table if exists " + this.prefix + "transaction");
			}
		}
	}

	@Test
	void aLogThatHangsIsDownWithinTheTimeoutAndChecksDoNotPileUp() throws Exception {
		JdbcEndpoint postgres = TestServices.postgres();
		URI server = URI.create(postgres.url().substring("jdbc:".length()));
		try (TcpProxy proxy = new TcpProxy(server.getHost(), server.getPort())) {
			JdbcEndpoint proxied = new JdbcEndpoint(postgres.name(),
					postgres.url().replace(server.getHost() + ":" + server.getPort(), "127.0.0.1:" + proxy.port()),
					postgres.username(), postgres.password());
			HikariDataSource dataSource = proxied.dataSource(2);
			// The store alone would wait 30 s for a hung database; the check must not.
			JdbcTccLogStore store = new JdbcTccLogStore(dataSource, this.prefix, Duration.ofSeconds(30), () -> true);
			TccHealthIndicator indicator = new TccHealthIndicator(store, Clock.systemUTC(), Duration.ofMinutes(10),
					new Status("DEGRADED"), Duration.ofSeconds(1));
			try {
				Health healthy = indicator.health();
				assertThat(healthy.getStatus()).isEqualTo(Status.UP);
				assertThat(healthy.getDetails()).containsEntry("needsPerson", 0).containsEntry("stuck", 0);
				proxy.swallow();
				long start = System.nanoTime();
				Health hung = indicator.health();
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
				assertThat(hung.getStatus()).isEqualTo(Status.DOWN);
				assertThat(hung.getDetails().get("error")).asString().contains("did not answer within PT1S");
				Health next = indicator.health();
				assertThat(next.getStatus()).isEqualTo(Status.DOWN);
				assertThat(next.getDetails().get("error")).asString().contains("has not answered yet");
			}
			finally {
				indicator.destroy();
				proxy.down();
				dataSource.close();
			}
		}
		finally {
			try (HikariDataSource direct = postgres.dataSource(1)) {
				JdbcTemplate jdbc = new JdbcTemplate(direct);
				jdbc.execute("drop table if exists " + this.prefix + "branch");
				jdbc.execute("drop table if exists " + this.prefix + "transaction");
			}
		}
	}

}
