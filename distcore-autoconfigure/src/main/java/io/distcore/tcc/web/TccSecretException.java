package io.distcore.tcc.web;

import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;

/**
 * {@code distcore.tcc.security.secret} is missing or too short. Its value is never part of the exception; the
 * {@link TccSecretFailureAnalyzer} reports it in place of Boot's analyzer, which would print the value.
 */
public final class TccSecretException extends InvalidConfigurationPropertyValueException {

	/** The property this exception is about. */
	public static final String PROPERTY = "distcore.tcc.security.secret";

	/** What the exception and the failure report show instead of the value. */
	public static final String MASK = "******";

	TccSecretException(String reason) {
		super(PROPERTY, MASK, reason);
	}

}
