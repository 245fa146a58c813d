package io.distcore.sample.order;

import java.util.List;
import java.util.Optional;

import io.distcore.id.IdGenerator;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Positive;
import jakarta.validation.constraints.Size;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Places and reads orders. Every field is checked here, before an order is recorded or the inventory called:
 * what passes fits the columns and the inventory's own checks.
 */
@RestController
@RequestMapping("/orders")
class OrderController {

	private final OrderRepository orders;

	private final OrderPlacement placement;

	private final IdGenerator ids;

	OrderController(OrderRepository orders, OrderPlacement placement, IdGenerator ids) {
		this.orders = orders;
		this.placement = placement;
		this.ids = ids;
	}

	@PostMapping
	ResponseEntity<Order> place(@Valid @RequestBody PlaceOrderRequest request) {
		Order pending = new Order(this.ids.nextId("order"), request.userId(), request.sku(), request.quantity(),
				Order.Status.PENDING, null);
		try {
			return ResponseEntity.status(HttpStatus.CREATED).body(this.placement.place(pending));
		}
		catch (OrderRefusedException ex) {
			// The cancel is decided and durable: the answer is the outcome, even while phase two is still retrying.
			return ResponseEntity.status(HttpStatus.CONFLICT)
				.body(new Order(pending.orderId(), pending.userId(), pending.sku(), pending.quantity(),
						Order.Status.CANCELLED, ex.reason()));
		}
	}

	@GetMapping("/{orderId}")
	Order get(@PathVariable String orderId) {
		return parse(orderId).flatMap(this.orders::find).orElseThrow(() -> {
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.NOT_FOUND, "Unknown order " + orderId);
			problem.setTitle("Unknown order");
			return new ErrorResponseException(HttpStatus.NOT_FOUND, problem, null);
		});
	}

	/**
	 * The orders of a SKU, oldest first, at most {@value OrderRepository#LIST_LIMIT}; {@code after} (an order
	 * id) pages on.
	 */
	@GetMapping
	List<Order> list(@RequestParam @Pattern(regexp = Order.SKU_PATTERN) String sku,
			@RequestParam(defaultValue = "0") long after) {
		return this.orders.findBySku(sku, after);
	}

	private static Optional<Long> parse(String orderId) {
		try {
			return Optional.of(Long.parseLong(orderId));
		}
		catch (NumberFormatException ex) {
			return Optional.empty();
		}
	}

	record PlaceOrderRequest(@NotBlank @Size(max = 64) String userId,
			@NotNull @Pattern(regexp = Order.SKU_PATTERN) String sku,
			@NotNull @Positive @Max(Order.MAX_QUANTITY) Integer quantity) {
	}

}
