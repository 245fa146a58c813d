package io.distcore.tcc.autoconfigure;

import java.time.Duration;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * The one rule that ties the retention to the retries. Phase two of a transaction may be delivered, again and again,
 * until {@code max-retry-time} after its decision, and the decision comes at most {@code default-timeout} after the
 * start. A barrier row deleted before the last delivery can arrive lets that delivery run the business code a
 * second time (a duplicate confirm) or take a real try for one that never came (an empty rollback that leaves stock
 * frozen), so the retention must outlast both.
 */
final class TccRetention {

	private TccRetention() {
	}

	static void requireLongerThanRetries(TccProperties properties) {
		Duration retention = properties.getRetention();
		Duration retries = properties.getMaxRetryTime();
		Duration timeout = properties.getDefaultTimeout();
		if (retention == null || retention.isNegative() || retention.isZero()) {
			throw new InvalidConfigurationPropertyValueException("distcore.tcc.retention", retention,
					"must be positive");
		}
		if (retries == null || timeout == null) {
			return;
		}
		Duration needed = retries.plus(timeout);
		if (retention.compareTo(needed) <= 0) {
			throw new InvalidConfigurationPropertyValueException("distcore.tcc.retention", retention,
					"must be longer than distcore.tcc.max-retry-time (" + retries + ") plus distcore.tcc.default-timeout ("
							+ timeout + "), " + needed + ", or a late phase-two delivery could run twice; raise "
							+ "distcore.tcc.retention or lower distcore.tcc.max-retry-time, with the same values on "
							+ "every service of a transaction");
		}
	}

}
