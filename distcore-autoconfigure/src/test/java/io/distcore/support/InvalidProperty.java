package io.distcore.support;

import org.assertj.core.api.AbstractThrowableAssert;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Asserts that a startup failed the way Boot reports a bad property: an
 * {@link InvalidConfigurationPropertyValueException} for that property somewhere in the causes.
 */
public final class InvalidProperty {

	private InvalidProperty() {
	}

	/**
	 * @param failure the context's startup failure
	 * @param property the property it must name
	 * @return an assertion on the exception's reason, for what it must say
	 */
	public static AbstractThrowableAssert<?, ? extends Throwable> assertInvalid(Throwable failure, String property) {
		Throwable cause = failure;
		while (cause != null && !(cause instanceof InvalidConfigurationPropertyValueException)) {
			cause = cause.getCause();
		}
		assertThat(cause).as("InvalidConfigurationPropertyValueException among the causes of %s", failure).isNotNull();
		InvalidConfigurationPropertyValueException invalid = (InvalidConfigurationPropertyValueException) cause;
		assertThat(invalid.getName()).isEqualTo(property);
		return assertThat(new IllegalStateException(invalid.getReason()));
	}

}
