package io.distcore.sample.inventory;

import java.util.UUID;

import io.distcore.test.Http;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

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

	@Autowired
	InventoryService inventory;

	@Test
	void restockAndReserveOnPostgres() {
		String sku = "PG-" + UUID.randomUUID().toString().substring(0, 8);
		String base = "http://127.0.0.1:" + this.port + "/inventory/" + sku;
		try {
			assertThat(Http.postJson(base + "/restock", "{\"quantity\":4}").body()).contains("\"available\":4");
			assertThat(this.inventory.tryReserve(sku, 3)).isEqualTo(new Stock(sku, 1, 3, 0));
			assertThatExceptionOfType(StockProblems.InsufficientStock.class).isThrownBy(() -> this.inventory.tryReserve(sku, 3));
			assertThat(this.inventory.confirmReserve(sku, 3)).isEqualTo(new Stock(sku, 1, 0, 3));
			assertThat(Http.postJson(base + "/restock", "{\"quantity\":" + Integer.MAX_VALUE + "}").status()).isEqualTo(409);
			assertThat(Http.get(base).body()).isEqualTo("{\"sku\":\"" + sku + "\",\"available\":1,\"frozen\":0,\"sold\":3}");
		}
		finally {
			this.jdbc.sql("DELETE FROM inventory WHERE sku = ?").param(sku).update();
		}
	}

	@Autowired
	JdbcClient jdbc;

}
