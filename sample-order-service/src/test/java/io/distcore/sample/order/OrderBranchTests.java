package io.distcore.sample.order;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import io.distcore.tcc.Phase;
import io.distcore.tcc.TccContext;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The order's own branch, its confirm and cancel called directly with the context distcore hands them: each
 * settles a pending order once, and cancel keeps the reason the placement noted.
 */
@SpringBootTest(webEnvironment = WebEnvironment.NONE,
		properties = { "spring.datasource.url=jdbc:h2:mem:order-branch-tests;DB_CLOSE_DELAY=-1",
				"sample.inventory.instances=http://127.0.0.1:9" })
class OrderBranchTests {

	@Autowired
	OrderBranch branch;

	@Autowired
	OrderRepository orders;

	@Test
	void confirmSettlesAPendingOrderOnce() {
		long id = pending();
		this.branch.confirm(context(Phase.CONFIRM, id));
		this.branch.cancel(context(Phase.CANCEL, id));
		assertThat(this.orders.find(id).orElseThrow().status()).isEqualTo(Order.Status.CONFIRMED);
		assertThat(this.orders.find(id).orElseThrow().reason()).isNull();
	}

	@Test
	void cancelKeepsTheNotedReason() {
		long id = pending();
		this.orders.noteReason(id, "insufficient stock for A1");
		this.branch.cancel(context(Phase.CANCEL, id));
		this.branch.confirm(context(Phase.CONFIRM, id));
		Order order = this.orders.find(id).orElseThrow();
		assertThat(order.status()).isEqualTo(Order.Status.CANCELLED);
		assertThat(order.reason()).isEqualTo("insufficient stock for A1");
	}

	@Test
	void cancelWithoutANotedReasonSaysTheTransactionWasCancelled() {
		long id = pending();
		this.branch.cancel(context(Phase.CANCEL, id));
		assertThat(this.orders.find(id).orElseThrow().reason()).isEqualTo(OrderBranch.DEFAULT_CANCEL_REASON);
		// A reason noted after the cancel changes nothing.
		this.orders.noteReason(id, "late");
		assertThat(this.orders.find(id).orElseThrow().reason()).isEqualTo(OrderBranch.DEFAULT_CANCEL_REASON);
	}

	private long pending() {
		long id = ThreadLocalRandom.current().nextLong(1, Long.MAX_VALUE);
		this.orders.insert(new Order(id, "u1", "A1", 2, Order.Status.PENDING, null));
		return id;
	}

	private static TccContext context(Phase phase, long orderId) {
		return new TccContext("xid-" + orderId, "1", "order-record", phase, List.of("orderId", "userId", "sku", "quantity"),
				List.of(orderId, "u1", "A1", 2), Map.of(), (value, type) -> value);
	}

}
