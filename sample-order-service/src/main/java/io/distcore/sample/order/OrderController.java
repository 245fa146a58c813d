package io.distcore.sample.order;

import java.util.Optional;

import io.distcore.id.IdGenerator;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Positive;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Places and reads orders.
 */
@RestController
@RequestMapping("/orders")
class OrderController {

	private final OrderRepository orders;

	private final InventoryClient inventory;

	private final IdGenerator ids;

	OrderController(OrderRepository orders, InventoryClient inventory, IdGenerator ids) {
		this.orders = orders;
		this.inventory = inventory;
		this.ids = ids;
	}

	@PostMapping
	ResponseEntity<Order> place(@Valid @RequestBody PlaceOrderRequest request) {
		long orderId = this.ids.nextId("order");
		String refusal = this.inventory.deduct(Long.toString(orderId), request.sku(), request.quantity());
		Order order = new Order(orderId, request.userId(), request.sku(), request.quantity(),
				(refusal != null) ? Order.Status.CANCELLED : Order.Status.CONFIRMED, refusal);
		this.orders.insert(order);
		return ResponseEntity.status((refusal != null) ? HttpStatus.CONFLICT : HttpStatus.CREATED).body(order);
	}

	@GetMapping("/{orderId}")
	Order get(@PathVariable String orderId) {
		return parse(orderId).flatMap(this.orders::find).orElseThrow(() -> {
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "Unknown order " + orderId);
			problem.setTitle("Unknown order");
			return new ErrorResponseException(HttpStatus.NOT_FOUND, problem, null);
		});
	}

	private static Optional<Long> parse(String orderId) {
		try {
			return Optional.of(Long.parseLong(orderId));
		}
		catch (NumberFormatException ex) {
			return Optional.empty();
		}
	}

	record PlaceOrderRequest(@NotBlank String userId, @NotBlank String sku, @NotNull @Positive Integer quantity) {
	}

}
