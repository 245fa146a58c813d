package io.distcore.support;

import java.time.Duration;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * The checks distcore's auto-configuration makes of its properties, all failing the same way: with Boot's
 * {@link InvalidConfigurationPropertyValueException}, which Boot's failure analyzer turns into the "APPLICATION
 * FAILED TO START" report naming the property, its value, where it was set, and the reason (which says what
 * would be valid).
 */
public final class PropertyChecks {

	private PropertyChecks() {
	}

	/**
	 * The failure for a property whose value cannot work.
	 * @param property the property's full name
	 * @param value its value
	 * @param reason why it cannot work and what would
	 * @return the exception to throw
	 */
	public static InvalidConfigurationPropertyValueException invalid(String property, Object value, String reason) {
		return new InvalidConfigurationPropertyValueException(property, value, reason);
	}

	/**
	 * The failure for a property whose value cannot work, found by the exception that refused it.
	 * @param property the property's full name
	 * @param value its value
	 * @param reason why it cannot work and what would
	 * @param cause what refused it
	 * @return the exception to throw
	 */
	public static InvalidConfigurationPropertyValueException invalid(String property, Object value, String reason,
			Throwable cause) {
		InvalidConfigurationPropertyValueException invalid = invalid(property, value, reason);
		invalid.initCause(cause);
		return invalid;
	}

	/**
	 * Fails unless {@code valid}.
	 * @param valid whether the value is acceptable
	 * @param property the property's full name
	 * @param value its value
	 * @param reason why it cannot work and what would
	 */
	public static void check(boolean valid, String property, Object value, String reason) {
		if (!valid) {
			throw invalid(property, value, reason);
		}
	}

	/**
	 * Requires a duration above zero.
	 * @param property the property's full name
	 * @param value its value
	 * @return the value
	 */
	public static Duration positive(String property, Duration value) {
		check(value != null && !value.isNegative() && !value.isZero(), property, value, "must be positive");
		return value;
	}

	/**
	 * Requires a duration of zero or more.
	 * @param property the property's full name
	 * @param value its value
	 * @return the value
	 */
	public static Duration notNegative(String property, Duration value) {
		check(value != null && !value.isNegative(), property, value, "must not be negative");
		return value;
	}

	/**
	 * Requires a duration of at least {@code minimum}.
	 * @param property the property's full name
	 * @param value its value
	 * @param minimum the smallest that works
	 * @return the value
	 */
	public static Duration atLeast(String property, Duration value, Duration minimum) {
		check(value != null && value.compareTo(minimum) >= 0, property, value, "must be at least " + minimum);
		return value;
	}

	/**
	 * Requires a number within bounds.
	 * @param property the property's full name
	 * @param value its value
	 * @param minimum the smallest that works
	 * @param maximum the largest that works
	 * @return the value
	 */
	public static long between(String property, long value, long minimum, long maximum) {
		check(value >= minimum && value <= maximum, property, value,
				"must be between " + minimum + " and " + maximum);
		return value;
	}

	/**
	 * Requires text that is not blank.
	 * @param property the property's full name
	 * @param value its value
	 * @return the value
	 */
	public static String notEmpty(String property, String value) {
		check(value != null && !value.isBlank(), property, value, "must not be empty");
		return value;
	}

	/**
	 * Requires a table name distcore can put into its statements as it is.
	 * @param property the property's full name
	 * @param value its value
	 * @return the value
	 */
	public static String tableName(String property, String value) {
		check(AutoCommitJdbc.isValidTableName(value), property, value,
				"must be letters, digits and '_' (not starting with a digit), optionally qualified as schema.table");
		return value;
	}

}
