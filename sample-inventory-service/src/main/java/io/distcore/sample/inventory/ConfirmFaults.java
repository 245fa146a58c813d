package io.distcore.sample.inventory;

import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.stereotype.Component;

/**
 * Confirm failures armed for the demo: while the count is positive each {@link InventoryService#confirmReserve}
 * consumes one and fails before touching the stock, as a participant whose database hiccups would. Only the
 * demo endpoint ({@code sample.faults.enabled=true}) arms it; otherwise the count stays zero. Per instance.
 */
@Component
class ConfirmFaults {

	private final AtomicInteger remaining = new AtomicInteger();

	void arm(int count) {
		this.remaining.set(count);
	}

	int remaining() {
		return this.remaining.get();
	}

	void failIfArmed(String sku) {
		if (this.remaining.getAndUpdate((n) -> (n > 0) ? n - 1 : 0) > 0) {
			throw new InjectedFaultException("Injected confirm failure for " + sku + " (demo fault switch)");
		}
	}

	/**
	 * A failure the demo asked for.
	 */
	static final class InjectedFaultException extends RuntimeException {

		InjectedFaultException(String message) {
			super(message);
		}

	}

}
