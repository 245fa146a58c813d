package io.distcore.id.actuate;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import com.jayway.jsonpath.JsonPath;
import com.zaxxer.hikari.HikariDataSource;
import io.distcore.id.IdGenerator;
import io.distcore.id.lease.LeasedWorkerId;
import io.distcore.id.snowflake.SnowflakeIdGenerator;
import io.distcore.id.snowflake.SnowflakeLayout;
import io.distcore.test.Http;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code ids} endpoint over real HTTP: a web application on a random port with every endpoint exposed, its
 * worker id leased from H2 on the first id.
 */
class IdsEndpointTests {

	private static final String SECRET = "ids-secret-" + UUID.randomUUID() + "-do-not-show";

	private final String table = "ids_lease_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);

	private final JdbcEndpoint database = TestServices.h2("ids_" + System.nanoTime());

	@Test
	void describesTheGeneratorWithoutTakingTheLeaseUntilTheApplicationAsksForAnId() {
		try (ConfigurableApplicationContext context = start("distcore.id.snowflake.lease.backend=jdbc")) {
			String base = actuator(context);
			Http.Response before = Http.get(base + "/ids");
			assertThat(before.status()).isEqualTo(200);
			assertThat((String) JsonPath.read(before.body(), "$.generator")).isEqualTo("snowflake");
			assertThat((Integer) JsonPath.read(before.body(), "$.layout.timestampBits")).isEqualTo(41);
			assertThat((Integer) JsonPath.read(before.body(), "$.layout.sequenceBits")).isEqualTo(12);
			assertThat(Instant.parse(JsonPath.read(before.body(), "$.layout.runsOutAt")))
				.isEqualTo(SnowflakeLayout.DEFAULT.runsOutAt());
			assertThat((String) JsonPath.read(before.body(), "$.worker.kind")).isEqualTo("leased");
			assertThat((String) JsonPath.read(before.body(), "$.worker.backend")).isEqualTo("jdbc");
			assertThat((Boolean) JsonPath.read(before.body(), "$.worker.claimed")).isFalse();
			assertThat((Object) JsonPath.read(before.body(), "$.worker.workerId")).isNull();
			// Asking twice, and the health and links pages, still claims nothing anywhere.
			assertThat(Http.get(base + "/ids").status()).isEqualTo(200);
			assertThat(Http.get(base + "/health").status()).isEqualTo(200);
			assertThat(context.getBean(LeasedWorkerId.class).isClaimed()).isFalse();
			assertThat(leaseRows()).isZero();

			long id = context.getBean(IdGenerator.class).nextId();
			assertThat(leaseRows()).isOne();
			Http.Response after = Http.get(base + "/ids");
			assertThat((Boolean) JsonPath.read(after.body(), "$.worker.claimed")).isTrue();
			assertThat((Boolean) JsonPath.read(after.body(), "$.worker.valid")).isTrue();
			LeasedWorkerId lease = context.getBean(LeasedWorkerId.class);
			assertThat(((Number) JsonPath.read(after.body(), "$.worker.workerId")).longValue())
				.isEqualTo(lease.workerId());
			assertThat(Duration.parse(JsonPath.read(after.body(), "$.worker.validFor"))).isPositive();

			Http.Response decoded = Http.get(base + "/ids/" + id);
			assertThat(decoded.status()).isEqualTo(200);
			assertThat(((Number) JsonPath.read(decoded.body(), "$.id")).longValue()).isEqualTo(id);
			assertThat(((Number) JsonPath.read(decoded.body(), "$.workerId")).longValue()).isEqualTo(lease.workerId());
			assertThat(((Number) JsonPath.read(decoded.body(), "$.datacenterId")).longValue())
				.isEqualTo(lease.datacenterId());
			assertThat(Instant.parse(JsonPath.read(decoded.body(), "$.timestamp")))
				.isBetween(Instant.now().minusSeconds(60), Instant.now().plusSeconds(1));
		}
	}

	@Test
	void decodesEachPartOfAKnownId() {
		try (ConfigurableApplicationContext context = start("distcore.id.snowflake.worker-id=7",
				"distcore.id.snowflake.datacenter-id=3")) {
			long id = SnowflakeLayout.DEFAULT.compose(1_500, 3, 7, 42);
			Http.Response decoded = Http.get(actuator(context) + "/ids/" + id);
			assertThat(decoded.status()).isEqualTo(200);
			assertThat((String) JsonPath.read(decoded.body(), "$.timestamp")).isEqualTo("2020-01-01T00:00:01.500Z");
			assertThat((Integer) JsonPath.read(decoded.body(), "$.datacenterId")).isEqualTo(3);
			assertThat((Integer) JsonPath.read(decoded.body(), "$.workerId")).isEqualTo(7);
			assertThat((Integer) JsonPath.read(decoded.body(), "$.sequence")).isEqualTo(42);
			Http.Response ids = Http.get(actuator(context) + "/ids");
			assertThat((String) JsonPath.read(ids.body(), "$.worker.kind")).isEqualTo("fixed");
			assertThat((Integer) JsonPath.read(ids.body(), "$.worker.workerId")).isEqualTo(7);
			assertThat(ids.body()).doesNotContain(SECRET);
			assertThat(decoded.body()).doesNotContain(SECRET);
		}
	}

	@Test
	void malformedAndOutOfRangeIdsAre400Problems() {
		// The seed layout leaves the top bit spare: ids with it set cannot come from this generator.
		try (ConfigurableApplicationContext context = start("distcore.id.snowflake.worker-id=1",
				"distcore.id.snowflake.preset=seed")) {
			assertThat(context.getBean(SnowflakeIdGenerator.class).layout()).isEqualTo(SnowflakeLayout.SEED);
			for (String id : List.of("abc", "-1", "1.5", "0x10", "99999999999999999999", String.valueOf(1L << 62),
					String.valueOf(Long.MAX_VALUE))) {
				Http.Response response = Http.get(actuator(context) + "/ids/" + id);
				assertThat(response.status()).as(id).isEqualTo(400);
				assertThat(response.contentType()).as(id).startsWith("application/problem+json");
				assertThat((String) JsonPath.read(response.body(), "$.detail")).as(id).isNotBlank();
			}
			assertThat(Http.get(actuator(context) + "/ids/" + ((1L << 62) - 1)).status()).isEqualTo(200);
			assertThat(Http.get(actuator(context) + "/ids/0").status()).isEqualTo(200);
		}
	}

	@Test
	void segmentIdsAreDescribedButNotDecoded() {
		try (ConfigurableApplicationContext context = start("distcore.id.generator=jdbc",
				"distcore.id.jdbc.table-name=" + this.table + "_segment")) {
			Http.Response ids = Http.get(actuator(context) + "/ids");
			assertThat(ids.status()).isEqualTo(200);
			assertThat((String) JsonPath.read(ids.body(), "$.generator")).isEqualTo("segment");
			assertThat(ids.body()).doesNotContain("\"layout\":{");
			long id = context.getBean(IdGenerator.class).nextId();
			Http.Response decoded = Http.get(actuator(context) + "/ids/" + id);
			assertThat(decoded.status()).isEqualTo(400);
			assertThat(decoded.contentType()).startsWith("application/problem+json");
			assertThat((String) JsonPath.read(decoded.body(), "$.detail")).contains("Only snowflake ids");
		}
	}

	@Test
	void endpointIsAbsentWhenNotExposed() {
		try (ConfigurableApplicationContext context = start("distcore.id.snowflake.worker-id=1",
				"management.endpoints.web.exposure.include=health")) {
			assertThat(Http.get(actuator(context) + "/ids").status()).isEqualTo(404);
			assertThat(context.getBeanNamesForType(IdsEndpoint.class)).isEmpty();
		}
	}

	private ConfigurableApplicationContext start(String... properties) {
		return new SpringApplicationBuilder(App.class).web(WebApplicationType.SERVLET)
			.properties("server.port=0", "server.address=127.0.0.1", "spring.main.banner-mode=off",
					"spring.datasource.url=" + this.database.url(),
					"spring.datasource.username=" + this.database.username(),
					"spring.datasource.password=" + this.database.password(), "distcore.lock.backend=local",
					"distcore.tcc.security.secret=" + SECRET, "distcore.id.snowflake.lease.table-name=" + this.table,
					"management.endpoints.web.exposure.include=*", "management.endpoint.health.show-details=always")
			.properties(properties)
			.run();
	}

	private int leaseRows() {
		try (HikariDataSource dataSource = this.database.dataSource(1)) {
			return new JdbcTemplate(dataSource).queryForObject("select count(*) from " + this.table
					+ " where owner is not null", Integer.class);
		}
		catch (RuntimeException ex) {
			// No table yet: nothing was ever claimed.
			return 0;
		}
	}

	private static String actuator(ConfigurableApplicationContext context) {
		return "http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port") + "/actuator";
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class App {

	}

}
