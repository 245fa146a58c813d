package io.distcore.sample.inventory;

import java.util.UUID;

import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * The reservation a TCC branch is made of, called directly: try freezes, confirm sells, cancel releases, and
 * a refusal or an inconsistent call changes nothing.
 */
@SpringBootTest(webEnvironment = WebEnvironment.NONE,
		properties = "spring.datasource.url=jdbc:h2:mem:inventory-reservation-tests;DB_CLOSE_DELAY=-1")
class InventoryReservationTests {

	@Autowired
	InventoryService inventory;

	@Test
	void tryFreezesConfirmSellsCancelReleases() {
		String sku = restocked(10);
		assertThat(this.inventory.tryReserve(sku, 3)).isEqualTo(new Stock(sku, 7, 3, 0));
		assertThat(this.inventory.tryReserve(sku, 4)).isEqualTo(new Stock(sku, 3, 7, 0));
		assertThat(this.inventory.confirmReserve(sku, 3)).isEqualTo(new Stock(sku, 3, 4, 3));
		assertThat(this.inventory.cancelReserve(sku, 4)).isEqualTo(new Stock(sku, 7, 0, 3));
	}

	@Test
	void tryWithTooLittleAvailableIsRefusedAndChangesNothing() {
		String sku = restocked(5);
		this.inventory.tryReserve(sku, 4);
		assertThatExceptionOfType(StockProblems.InsufficientStock.class).isThrownBy(() -> this.inventory.tryReserve(sku, 2))
			.satisfies((ex) -> assertThat(ex.getStatusCode().value()).isEqualTo(409))
			.satisfies((ex) -> assertThat(ex.getBody().getDetail()).contains("requested 2, available 1"));
		assertThat(this.inventory.tryReserve(sku, 1)).isEqualTo(new Stock(sku, 0, 5, 0));
	}

	@Test
	void tryOfAnUnknownSkuIsA404() {
		assertThatExceptionOfType(StockProblems.UnknownSku.class)
			.isThrownBy(() -> this.inventory.tryReserve(newSku(), 1))
			.satisfies((ex) -> assertThat(ex.getStatusCode().value()).isEqualTo(404));
	}

	@Test
	void confirmOrCancelOfMoreThanIsFrozenFailsAndChangesNothing() {
		String sku = restocked(5);
		this.inventory.tryReserve(sku, 2);
		assertThatIllegalStateException().isThrownBy(() -> this.inventory.confirmReserve(sku, 3))
			.withMessageContaining("only 2 are frozen");
		assertThatIllegalStateException().isThrownBy(() -> this.inventory.cancelReserve(sku, 3));
		assertThat(this.inventory.confirmReserve(sku, 2)).isEqualTo(new Stock(sku, 3, 0, 2));
		// A second confirm of the same reservation finds nothing frozen: it never sells twice.
		assertThatIllegalStateException().isThrownBy(() -> this.inventory.confirmReserve(sku, 2));
		assertThat(this.inventory.restock(sku, 1)).isEqualTo(new Stock(sku, 4, 0, 2));
	}

	@Test
	void quantitiesThatAreNotPositiveAreRefusedAndChangeNothing() {
		String sku = restocked(5);
		this.inventory.tryReserve(sku, 2);
		for (int quantity : new int[] { 0, -1, Integer.MIN_VALUE }) {
			assertThatIllegalArgumentException().isThrownBy(() -> this.inventory.restock(sku, quantity));
			assertThatIllegalArgumentException().isThrownBy(() -> this.inventory.tryReserve(sku, quantity));
			assertThatIllegalArgumentException().isThrownBy(() -> this.inventory.confirmReserve(sku, quantity));
			assertThatIllegalArgumentException().isThrownBy(() -> this.inventory.cancelReserve(sku, quantity));
		}
		assertThat(this.inventory.cancelReserve(sku, 2)).isEqualTo(new Stock(sku, 5, 0, 0));
	}

	@Test
	void frozenUnitsCountTowardsTheStockLimit() {
		String sku = restocked(Integer.MAX_VALUE);
		this.inventory.tryReserve(sku, Integer.MAX_VALUE);
		assertThatExceptionOfType(StockProblems.StockLimitExceeded.class).isThrownBy(() -> this.inventory.restock(sku, 1));
		assertThat(this.inventory.cancelReserve(sku, Integer.MAX_VALUE)).isEqualTo(new Stock(sku, Integer.MAX_VALUE, 0, 0));
	}

	private String restocked(int quantity) {
		String sku = newSku();
		this.inventory.restock(sku, quantity);
		return sku;
	}

	private static String newSku() {
		return "RSV-" + UUID.randomUUID().toString().substring(0, 8);
	}

}
