package io.distcore.sample.inventory;

import java.util.UUID;

import io.distcore.test.Http;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;

import static io.distcore.sample.inventory.InventoryApplicationTests.assertProblem;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The demo's fault switch: armed over HTTP, it fails exactly the next N calls of its kind, and a failed phase
 * leaves the stock as it was.
 */
@SpringBootTest(webEnvironment = WebEnvironment.RANDOM_PORT,
		properties = { "spring.datasource.url=jdbc:h2:mem:inventory-fault-tests;DB_CLOSE_DELAY=-1",
				"sample.faults.enabled=true", "sample.faults.lost-reply-delay=10ms" })
class DemoFaultsTests {

	private static final JsonMapper json = JsonMapper.builder().build();

	@LocalServerPort
	int port;

	@Autowired
	InventoryService inventory;

	@Autowired
	DemoFaults faults;

	@AfterEach
	void disarm() {
		for (DemoFaults.Kind kind : DemoFaults.Kind.values()) {
			this.faults.arm(kind, 0);
		}
	}

	@Test
	void armedConfirmFailuresFailThatManyConfirmsAndTouchNothing() {
		String sku = restocked(5);
		this.inventory.tryReserve(sku, 3);
		assertThat(armed("confirm-failures", 2).path("confirmFailures").asInt()).isEqualTo(2);
		for (int i = 0; i < 2; i++) {
			assertThatExceptionOfType(DemoFaults.InjectedFaultException.class)
				.isThrownBy(() -> this.inventory.confirmReserve(sku, 3))
				.withMessageContaining(sku);
			assertThat(stock(sku)).isEqualTo(new Stock(sku, 2, 3, 0));
		}
		assertThat(remaining().path("confirmFailures").asInt()).isZero();
		assertThat(this.inventory.confirmReserve(sku, 3)).isEqualTo(new Stock(sku, 2, 0, 3));
		// Other phases are not affected.
		armed("confirm-failures", 1);
		this.inventory.tryReserve(sku, 1);
		assertThat(this.inventory.cancelReserve(sku, 1)).isEqualTo(new Stock(sku, 2, 0, 3));
	}

	@Test
	void armedCancelFailureFailsOneCancelAndTouchesNothing() {
		String sku = restocked(5);
		this.inventory.tryReserve(sku, 2);
		armed("cancel-failures", 1);
		assertThatExceptionOfType(DemoFaults.InjectedFaultException.class).isThrownBy(() -> this.inventory.cancelReserve(sku, 2));
		assertThat(stock(sku)).isEqualTo(new Stock(sku, 3, 2, 0));
		assertThat(this.inventory.cancelReserve(sku, 2)).isEqualTo(new Stock(sku, 5, 0, 0));
	}

	@Test
	void armedTryFailureRollsItsFreezeBack() {
		String sku = restocked(5);
		armed("try-failures", 1);
		assertThatExceptionOfType(DemoFaults.InjectedFaultException.class).isThrownBy(() -> this.inventory.tryReserve(sku, 2));
		assertThat(stock(sku)).isEqualTo(new Stock(sku, 5, 0, 0));
		assertThat(this.inventory.tryReserve(sku, 2)).isEqualTo(new Stock(sku, 3, 2, 0));
	}

	@Test
	void armedLostRepliesAreConsumedOneByOne() {
		armed("lost-replies", 2);
		this.faults.loseReplyIfArmed();
		assertThat(remaining().path("lostReplies").asInt()).isEqualTo(1);
		this.faults.loseReplyIfArmed();
		this.faults.loseReplyIfArmed();
		assertThat(remaining().path("lostReplies").asInt()).isZero();
	}

	@Test
	void statusListsEveryKind() {
		assertThat(remaining()).isEqualTo(
				json.readTree("{\"confirmFailures\":0,\"cancelFailures\":0,\"tryFailures\":0,\"lostReplies\":0}"));
	}

	@Test
	void countOutsideItsBoundsOrAnUnknownKindIsRefused() {
		assertProblem(Http.postJson(url("/demo/faults/confirm-failures?count=101"), ""), 400, "count");
		assertProblem(Http.postJson(url("/demo/faults/confirm-failures?count=-1"), ""), 400, "count");
		assertProblem(Http.postJson(url("/demo/faults/confirm-failures"), ""), 400, "count");
		assertProblem(Http.postJson(url("/demo/faults/everything?count=1"), ""), 404, "Unknown fault");
		assertThat(remaining().path("confirmFailures").asInt()).isZero();
	}

	private JsonNode armed(String kind, int count) {
		var response = Http.postJson(url("/demo/faults/" + kind + "?count=" + count), "");
		assertThat(response.status()).as(response.body()).isEqualTo(200);
		return json.readTree(response.body());
	}

	private JsonNode remaining() {
		return json.readTree(Http.get(url("/demo/faults")).body());
	}

	private String restocked(int quantity) {
		String sku = "FLT-" + UUID.randomUUID().toString().substring(0, 8);
		this.inventory.restock(sku, quantity);
		return sku;
	}

	private Stock stock(String sku) {
		return json.readValue(Http.get(url("/inventory/" + sku)).body(), Stock.class);
	}

	private String url(String path) {
		return "http://127.0.0.1:" + this.port + path;
	}

}
