package io.distcore.tcc.web;

import java.lang.reflect.Method;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.distcore.tcc.TccAction;
import io.distcore.tcc.TccTransaction;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.util.ClassUtils;

/**
 * Refuses to start an application that takes part in TCC transactions without a proper secret. The secret is
 * required only when a bean of the application has a {@link TccTransaction} or {@link TccAction} method, so an
 * application that has distcore on its class path but does not use TCC starts without one. It is checked once
 * every singleton exists, before the web server accepts requests and before any lifecycle bean starts.
 * <p>
 * With {@code distcore.tcc.security.insecure-development=true} a missing or short secret is accepted and one WARN
 * says so at startup; without a secret, such an application signs with a fixed development key that every
 * insecure instance shares, which anyone can read in distcore's source.
 */
public final class TccSecretCheck implements SmartInitializingSingleton {

	private static final Log logger = LogFactory.getLog(TccSecretCheck.class);

	// Public by design: it only lets insecure development instances talk to each other.
	private static final String INSECURE_DEVELOPMENT_KEY = "distcore-tcc-insecure-development-key-not-for-production";

	private final ConfigurableListableBeanFactory beanFactory;

	private final String secret;

	private final boolean insecureDevelopment;

	/**
	 * @param beanFactory where the TCC methods are looked for
	 * @param secret the configured secret, or {@code null}
	 * @param insecureDevelopment {@code distcore.tcc.security.insecure-development}
	 */
	public TccSecretCheck(ConfigurableListableBeanFactory beanFactory, String secret, boolean insecureDevelopment) {
		this.beanFactory = beanFactory;
		this.secret = secret;
		this.insecureDevelopment = insecureDevelopment;
	}

	/**
	 * The signer the settings give: with the secret when it is fit; in insecure development mode with the short
	 * secret, or without one with a fixed key that every such instance shares (so that they can talk to each
	 * other) and anyone can read in distcore's source; otherwise one that signs nothing and rejects everything.
	 * @param secret {@code distcore.tcc.security.secret}, or {@code null}
	 * @param insecureDevelopment {@code distcore.tcc.security.insecure-development}
	 * @param maxClockSkew {@code distcore.tcc.security.max-clock-skew}
	 * @return the signer
	 */
	public static TccSigner signer(String secret, boolean insecureDevelopment, Duration maxClockSkew) {
		String problem = problem(secret);
		if (problem == null) {
			return TccSigner.of(secret, maxClockSkew, Clock.systemUTC());
		}
		if (insecureDevelopment) {
			return TccSigner.of(isBlank(secret) ? INSECURE_DEVELOPMENT_KEY : secret, maxClockSkew, Clock.systemUTC());
		}
		return TccSigner.unusable("TCC requests cannot be signed: distcore.tcc.security.secret is invalid: " + problem);
	}

	/**
	 * Whether a secret can be used as it is.
	 * @param secret the configured secret, or {@code null}
	 * @return {@code null} if it can, otherwise why not
	 */
	static String problem(String secret) {
		if (isBlank(secret)) {
			return "it is not set; every service taking part in TCC transactions needs the same secret to sign "
					+ "and verify transaction headers and phase-two calls";
		}
		if (secret.length() < TccSigner.MIN_SECRET_LENGTH) {
			return "it has " + secret.length() + " characters; at least " + TccSigner.MIN_SECRET_LENGTH
					+ " are required";
		}
		return null;
	}

	private static boolean isBlank(String secret) {
		return secret == null || secret.isBlank();
	}

	@Override
	public void afterSingletonsInstantiated() {
		String problem = problem(this.secret);
		if (problem == null) {
			return;
		}
		if (this.insecureDevelopment) {
			logger.warn("distcore.tcc.security.insecure-development=true: TCC requests are signed with a "
					+ (isBlank(this.secret) ? "publicly known development key"
							: "short secret")
					+ ", so anyone who can reach this service can forge transaction headers and confirm or cancel "
					+ "branches. Never use this in production.");
			return;
		}
		String method = findTccMethod();
		if (method != null) {
			throw new TccSecretException(problem + " (the application uses TCC transactions: " + method + ")");
		}
	}

	/**
	 * The first bean method with a TCC annotation, as {@code bean: Class.method}, or {@code null}.
	 */
	private String findTccMethod() {
		for (String name : this.beanFactory.getBeanDefinitionNames()) {
			Class<?> type = beanType(name);
			if (type == null || !AnnotationUtils.isCandidateClass(type, List.of(TccTransaction.class, TccAction.class))) {
				continue;
			}
			Map<Method, Boolean> methods = MethodIntrospector.selectMethods(type,
					(MethodIntrospector.MetadataLookup<Boolean>) (candidate) -> (AnnotatedElementUtils
						.hasAnnotation(candidate, TccTransaction.class)
							|| AnnotatedElementUtils.hasAnnotation(candidate, TccAction.class)) ? Boolean.TRUE : null);
			if (!methods.isEmpty()) {
				Method first = methods.keySet().iterator().next();
				return name + ": " + first.getDeclaringClass().getSimpleName() + "." + first.getName();
			}
		}
		return null;
	}

	private Class<?> beanType(String name) {
		try {
			if (this.beanFactory.containsSingleton(name)) {
				// The instance's class sees through JDK proxies, whose type has no annotated methods.
				Object bean = this.beanFactory.getSingleton(name);
				return (bean != null) ? AopProxyUtils.ultimateTargetClass(bean) : null;
			}
			Class<?> type = this.beanFactory.getType(name, false);
			return (type != null) ? ClassUtils.getUserClass(type) : null;
		}
		catch (RuntimeException ex) {
			// A bean whose type cannot be determined without creating it cannot be checked here.
			return null;
		}
	}

}
