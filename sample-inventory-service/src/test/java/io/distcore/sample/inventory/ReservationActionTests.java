package io.distcore.sample.inventory;

import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.distcore.tcc.Phase;
import io.distcore.tcc.TccContext;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The branch's confirm and cancel, called directly with the context distcore hands them: they find the try's
 * SKU and quantity in it by parameter name.
 */
@SpringBootTest(webEnvironment = WebEnvironment.NONE,
		properties = "spring.datasource.url=jdbc:h2:mem:reservation-action-tests;DB_CLOSE_DELAY=-1")
class ReservationActionTests {

	@Autowired
	ReservationAction action;

	@Autowired
	InventoryService inventory;

	@Autowired
	InventoryRepository repository;

	@Test
	void confirmSellsWhatTheTryFroze() {
		String sku = frozen(5, 2);
		this.action.confirm(context(Phase.CONFIRM, sku, 2));
		assertThat(this.repository.find(sku)).contains(new Stock(sku, 3, 0, 2));
	}

	@Test
	void cancelReleasesWhatTheTryFroze() {
		String sku = frozen(5, 2);
		this.action.cancel(context(Phase.CANCEL, sku, 2));
		assertThat(this.repository.find(sku)).contains(new Stock(sku, 5, 0, 0));
	}

	private String frozen(int stock, int reserved) {
		String sku = "ACT-" + UUID.randomUUID().toString().substring(0, 8);
		this.inventory.restock(sku, stock);
		// The try's business code; the action's own try needs a global transaction.
		this.inventory.tryReserve(sku, reserved);
		return sku;
	}

	private static TccContext context(Phase phase, String sku, int quantity) {
		return new TccContext("xid-" + sku, "1", "inventory-reserve", phase, List.of("orderId", "sku", "quantity"),
				List.of("o-" + sku, sku, quantity), Map.of(), (value, type) -> value);
	}

}
