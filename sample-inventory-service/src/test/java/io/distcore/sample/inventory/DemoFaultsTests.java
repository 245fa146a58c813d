package io.distcore.sample.inventory;

import java.util.UUID;

import io.distcore.test.Http;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static io.distcore.sample.inventory.InventoryApplicationTests.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The demo's fault switch: armed over HTTP, it fails exactly the next N confirms before they touch the stock.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.datasource.url=jdbc:h2:mem:inventory-fault-tests;DB_CLOSE_DELAY=-1",
				"sample.faults.enabled=true" })
class DemoFaultsTests {

	@LocalServerPort
	int port;

	@Autowired
	InventoryService inventory;

	@Test
	void armedConfirmFailuresFailThatManyConfirmsAndTouchNothing() {
		String sku = "FLT-" + UUID.randomUUID().toString().substring(0, 8);
		this.inventory.restock(sku, 5);
		this.inventory.tryReserve(sku, 3);
		assertThat(Http.postJson(url("/demo/faults/confirm-failures?count=2"), "").body()).isEqualTo("{\"confirmFailures\":2}");
		for (int i = 0; i < 2; i++) {
			assertThatExceptionOfType(ConfirmFaults.InjectedFaultException.class)
				.isThrownBy(() -> this.inventory.confirmReserve(sku, 3))
				.withMessageContaining(sku);
			assertThat(Http.get(url("/inventory/" + sku)).body()).contains("\"available\":2", "\"frozen\":3", "\"sold\":0");
		}
		assertThat(Http.get(url("/demo/faults")).body()).isEqualTo("{\"confirmFailures\":0}");
		assertThat(this.inventory.confirmReserve(sku, 3)).isEqualTo(new Stock(sku, 2, 0, 3));
		// Cancels are not affected.
		Http.postJson(url("/demo/faults/confirm-failures?count=1"), "");
		this.inventory.tryReserve(sku, 1);
		assertThat(this.inventory.cancelReserve(sku, 1)).isEqualTo(new Stock(sku, 2, 0, 3));
		Http.postJson(url("/demo/faults/confirm-failures?count=0"), "");
	}

	@Test
	void countOutsideItsBoundsIsA400NamingIt() {
		assertProblem(Http.postJson(url("/demo/faults/confirm-failures?count=101"), ""), 400, "count");
		assertProblem(Http.postJson(url("/demo/faults/confirm-failures?count=-1"), ""), 400, "count");
		assertProblem(Http.postJson(url("/demo/faults/confirm-failures"), ""), 400, "count");
		assertThat(Http.get(url("/demo/faults")).body()).isEqualTo("{\"confirmFailures\":0}");
	}

	private String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

}
