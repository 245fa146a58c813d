package io.distcore.tcc.web;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.Ordered;

/**
 * Reports a {@link TccSecretException} without the secret: Boot's analyzer for invalid property values prints
 * the value found in each property source, so this one runs first.
 */
final class TccSecretFailureAnalyzer extends AbstractFailureAnalyzer<TccSecretException> implements Ordered {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, TccSecretException cause) {
		String description = "Invalid value '" + TccSecretException.MASK + "' for configuration property '"
				+ TccSecretException.PROPERTY + "': " + cause.getReason();
		String action = "Set " + TccSecretException.PROPERTY + " to a random secret of at least "
				+ TccSigner.MIN_SECRET_LENGTH + " characters, the same on every service taking part in TCC "
				+ "transactions (for example from an environment variable or a secret store), or, for local "
				+ "development only, set distcore.tcc.security.insecure-development=true.";
		return new FailureAnalysis(description, action, cause);
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
