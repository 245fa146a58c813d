package io.distcore.sample.inventory;

import java.util.UUID;

import io.distcore.test.Http;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;

import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The {@code postgres} profile runs the same service on PostgreSQL.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT)
@ActiveProfiles("postgres")
class InventoryOnPostgresTests {

	@LocalServerPort
	int port;

	@DynamicPropertySource
	static void postgres(DynamicPropertyRegistry registry) {
		JdbcEndpoint postgres = TestServices.postgres();
		registry.add("spring.datasource.url", postgres::url);
		registry.add("spring.datasource.username", postgres::username);
		registry.add("spring.datasource.password", postgres::password);
	}

	@Test
	void restockAndDeductOnPostgres() {
		String sku = "PG-" + UUID.randomUUID().toString().substring(0, 8);
		String base = "http://127.0.0.1:" + this.port + "/inventory/" + sku;
		assertThat(Http.postJson(base + "/restock", "{\"quantity\":4}").body()).contains("\"available\":4");
		assertThat(Http.postJson(base + "/deductions", "{\"orderId\":\"" + sku + "-o1\",\"quantity\":3}").body())
			.contains("\"available\":1", "\"sold\":3");
		assertThat(Http.postJson(base + "/deductions", "{\"orderId\":\"" + sku + "-o2\",\"quantity\":3}").status())
			.isEqualTo(409);
		assertThat(Http.get(base).body()).contains("\"available\":1");
	}

}
