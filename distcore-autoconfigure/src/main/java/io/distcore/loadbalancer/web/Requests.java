package io.distcore.loadbalancer.web;

import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpConnectTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * What the HTTP integrations share: URL rewriting, failure classification, back-off.
 */
final class Requests {

	private Requests() {
	}

	/**
	 * The request's URL on an instance: the instance's scheme, authority and path prefix, then the request's
	 * path, query and fragment.
	 */
	static URI rewrite(URI original, URI instance) {
		StringBuilder url = new StringBuilder(64).append(instance.getScheme())
			.append("://")
			.append(instance.getRawAuthority());
		String prefix = instance.getRawPath();
		if (prefix != null && !prefix.isEmpty() && !prefix.equals("/")) {
			url.append(prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix);
		}
		String path = original.getRawPath();
		if (path != null) {
			url.append(path);
		}
		if (original.getRawQuery() != null) {
			url.append('?').append(original.getRawQuery());
		}
		if (original.getRawFragment() != null) {
			url.append('#').append(original.getRawFragment());
		}
		return URI.create(url.toString());
	}

	/**
	 * Whether a failure happened before the request could reach the instance, which makes any method safe to
	 * send again.
	 */
	static boolean isConnectFailure(Throwable failure) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof ConnectException || cause instanceof UnknownHostException
					|| cause instanceof NoRouteToHostException || cause instanceof HttpConnectTimeoutException) {
				return true;
			}
			if (cause.getCause() == cause) {
				break;
			}
		}
		return false;
	}

	static void sleep(Duration backoff) throws InterruptedIOException {
		if (backoff.isZero()) {
			return;
		}
		try {
			TimeUnit.NANOSECONDS.sleep(backoff.toNanos());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			InterruptedIOException interrupted = new InterruptedIOException("Interrupted before a retry");
			interrupted.initCause(ex);
			throw interrupted;
		}
	}

}
