package io.distcore.sample.inventory;

import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Faults armed for the demo and the samples' randomized test: while a kind's count is positive, each call it
 * applies to consumes one. Only the demo endpoint ({@code sample.faults.enabled=true}) arms them; otherwise
 * every count stays zero and nothing fails. Per instance.
 */
@Component
class DemoFaults {

	private final Map<Kind, AtomicInteger> remaining = new EnumMap<>(Kind.class);

	private final Duration lostReplyDelay;

	DemoFaults(@Value("${sample.faults.lost-reply-delay:3s}") Duration lostReplyDelay) {
		for (Kind kind : Kind.values()) {
			this.remaining.put(kind, new AtomicInteger());
		}
		this.lostReplyDelay = lostReplyDelay;
	}

	void arm(Kind kind, int count) {
		this.remaining.get(kind).set(count);
	}

	/**
	 * @return the remaining count of every kind, by its JSON name
	 */
	Map<String, Integer> remaining() {
		Map<String, Integer> counts = new LinkedHashMap<>();
		this.remaining.forEach((kind, count) -> counts.put(kind.jsonName, count.get()));
		return counts;
	}

	/**
	 * Consumes one armed fault of {@code kind}, if any.
	 * @return whether one was armed
	 */
	boolean consume(Kind kind) {
		return this.remaining.get(kind).getAndUpdate((n) -> (n > 0) ? n - 1 : 0) > 0;
	}

	/**
	 * Throws when a fault of {@code kind} is armed.
	 */
	void failIfArmed(Kind kind, String sku) {
		if (consume(kind)) {
			throw new InjectedFaultException("Injected " + kind.pathName + " fault for " + sku + " (demo fault switch)");
		}
	}

	/**
	 * Holds the reply past the caller's read timeout when a lost reply is armed: the work is done and
	 * committed, the caller never hears of it.
	 */
	void loseReplyIfArmed() {
		if (consume(Kind.LOST_REPLIES)) {
			try {
				Thread.sleep(this.lostReplyDelay.toMillis());
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

	/**
	 * What can be made to fail.
	 */
	enum Kind {

		/** The confirm throws before touching the stock. */
		CONFIRM_FAILURES("confirm-failures", "confirmFailures"),

		/** The cancel throws before touching the stock. */
		CANCEL_FAILURES("cancel-failures", "cancelFailures"),

		/** The try throws after freezing, so its local transaction rolls the freeze back. */
		TRY_FAILURES("try-failures", "tryFailures"),

		/** The try commits, then its reply is held past the caller's timeout. */
		LOST_REPLIES("lost-replies", "lostReplies");

		final String pathName;

		final String jsonName;

		Kind(String pathName, String jsonName) {
			this.pathName = pathName;
			this.jsonName = jsonName;
		}

		static Kind ofPath(String pathName) {
			for (Kind kind : values()) {
				if (kind.pathName.equals(pathName)) {
					return kind;
				}
			}
			return null;
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
