package io.distcore.sample.inventory;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;

import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Public stock queries and restocking, and the reservation the order service's TCC transaction calls. Every
 * input is
 * checked here, before any stock is read or written: the SKU's length and characters, quantities positive and
 * within INT (a larger JSON number is a 400 naming the field).
 */
@RestController
@RequestMapping("/inventory")
class InventoryController {

	private final InventoryRepository repository;

	private final InventoryService service;

	private final ReservationAction reservations;

	private final DemoFaults faults;

	InventoryController(InventoryRepository repository, InventoryService service, ReservationAction reservations,
			DemoFaults faults) {
		this.repository = repository;
		this.service = service;
		this.reservations = reservations;
		this.faults = faults;
	}

	@GetMapping("/{sku}")
	Stock get(@PathVariable @Pattern(regexp = Stock.SKU_PATTERN) String sku) {
		return this.repository.find(sku).orElseThrow(() -> new StockProblems.UnknownSku(sku));
	}

	@PostMapping("/{sku}/restock")
	Stock restock(@PathVariable @Pattern(regexp = Stock.SKU_PATTERN) String sku,
			@Valid @RequestBody RestockRequest request) {
		return this.service.restock(sku, request.quantity());
	}

	/**
	 * The try of an order's TCC branch: only inside a global transaction (the order service's signed call);
	 * confirm and cancel arrive on distcore's phase-two endpoint.
	 */
	@PostMapping("/{sku}/reservations")
	Stock reserve(@PathVariable @Pattern(regexp = Stock.SKU_PATTERN) String sku,
			@Valid @RequestBody ReservationRequest request) {
		Stock stock = this.reservations.reserve(request.orderId(), sku, request.quantity());
		this.faults.loseReplyIfArmed();
		return stock;
	}

	/** Order ids the inventory accepts: at most 64 characters, no spaces or markup. */
	static final String ORDER_ID_PATTERN = "[A-Za-z0-9._:-]{1,64}";

	record RestockRequest(@NotNull @Positive Integer quantity) {
	}

	record ReservationRequest(@NotNull @Pattern(regexp = ORDER_ID_PATTERN) String orderId,
			@NotNull @Positive Integer quantity) {
	}

}
