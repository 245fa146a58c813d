package io.distcore.loadbalancer;

import java.time.Duration;
import java.util.Set;

import org.springframework.util.Assert;

/**
 * When a request is sent again, always to an instance it has not tried yet. A request that never reached an
 * instance (connection refused, unknown host, connect timeout) is always safe to send again; one that may have
 * reached it is retried only for an idempotent method (GET, HEAD, OPTIONS, TRACE, PUT, DELETE), or for any
 * method when {@code retryNonIdempotent} is set; a response is retried when its status is listed.
 *
 * @param maxRetries retries after the first attempt; 0 disables retries
 * @param backoff pause before the first retry, doubled before each further one
 * @param retryableStatuses response statuses that are retried
 * @param retryNonIdempotent whether POST and PATCH requests that may have reached an instance are retried too
 */
public record RetryPolicy(int maxRetries, Duration backoff, Set<Integer> retryableStatuses, boolean retryNonIdempotent) {

	/**
	 * One retry, after 10 ms, for connect failures, idempotent requests and 502, 503, 504.
	 */
	public static final RetryPolicy DEFAULT = new RetryPolicy(1, Duration.ofMillis(10), Set.of(502, 503, 504), false);

	/**
	 * No retry at all.
	 */
	public static final RetryPolicy NONE = new RetryPolicy(0, Duration.ZERO, Set.of(), false);

	public RetryPolicy {
		Assert.isTrue(maxRetries >= 0, "Max retries must not be negative");
		Assert.isTrue(backoff != null && !backoff.isNegative(), "Backoff must not be negative");
		retryableStatuses = Set.copyOf(retryableStatuses);
	}

	/**
	 * Whether another attempt may follow the given one.
	 * @param method the HTTP method
	 * @param retriesDone retries already made (0 after the first attempt)
	 * @param mayHaveReached whether the failed attempt may have reached the instance
	 */
	public boolean mayRetry(String method, int retriesDone, boolean mayHaveReached) {
		return retriesDone < this.maxRetries && (!mayHaveReached || this.retryNonIdempotent || isIdempotent(method));
	}

	public boolean isRetryableStatus(int status) {
		return this.retryableStatuses.contains(status);
	}

	/**
	 * Pause before the given retry (1 for the first), doubling from {@link #backoff()}, capped at 64 times it.
	 */
	public Duration backoffBefore(int retry) {
		return this.backoff.multipliedBy(1L << Math.min(6, Math.max(0, retry - 1)));
	}

	private static boolean isIdempotent(String method) {
		return switch (method) {
			case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE" -> true;
			default -> false;
		};
	}

}
