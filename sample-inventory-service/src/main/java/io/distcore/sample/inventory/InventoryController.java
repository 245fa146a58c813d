package io.distcore.sample.inventory;

import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Public stock queries and restocking, plus the deduction endpoint the order service calls.
 */
@RestController
@RequestMapping("/inventory")
class InventoryController {

	private final InventoryRepository repository;

	private final InventoryService service;

	InventoryController(InventoryRepository repository, InventoryService service) {
		this.repository = repository;
		this.service = service;
	}

	@GetMapping("/{sku}")
	Stock get(@PathVariable String sku) {
		return this.repository.find(sku).orElseThrow(() -> unknownSku(sku));
	}

	@PostMapping("/{sku}/restock")
	Stock restock(@PathVariable String sku, @Valid @RequestBody RestockRequest request) {
		return this.service.restock(sku, request.quantity());
	}

	@PostMapping("/{sku}/deductions")
	Stock deduct(@PathVariable String sku, @Valid @RequestBody DeductionRequest request) {
		get(sku);
		if (!this.service.deduct(request.orderId(), sku, request.quantity())) {
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.CONFLICT, "Insufficient stock for "
					+ sku + ": requested " + request.quantity() + ", available " + get(sku).available());
			problem.setTitle("Insufficient stock");
			throw new ErrorResponseException(HttpStatus.CONFLICT, problem, null);
		}
		return get(sku);
	}

	private static ErrorResponseException unknownSku(String sku) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "Unknown SKU " + sku);
		problem.setTitle("Unknown SKU");
		return new ErrorResponseException(HttpStatus.NOT_FOUND, problem, null);
	}

	record RestockRequest(@NotNull @Positive Integer quantity) {
	}

	record DeductionRequest(@NotBlank String orderId, @NotNull @Positive Integer quantity) {
	}

}
