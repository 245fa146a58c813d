package io.distcore.loadbalancer;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request to one chosen instance, counted in flight from {@link ServiceBalancer#start} until it completes.
 * Exactly one completion counts: later calls (a response closed twice, a cancellation after an error) are
 * ignored.
 */
public final class Exchange {

	private final ServiceBalancer service;

	private final Endpoint endpoint;

	private final AtomicBoolean completed = new AtomicBoolean();

	// The endpoint's in-flight count already includes this exchange (InstanceSelector.start).
	Exchange(ServiceBalancer service, Endpoint endpoint) {
		this.service = service;
		this.endpoint = endpoint;
	}

	public ServiceInstance instance() {
		return this.endpoint.instance();
	}

	/**
	 * Ends the exchange: an answer arrived (any status that is not a failure status).
	 */
	public void succeeded() {
		complete(false);
	}

	/**
	 * Ends the exchange: connect error, timeout or a failure status; counts towards ejection.
	 */
	public void failed() {
		complete(true);
	}

	/**
	 * Ends the exchange with the outcome the status means for passive health.
	 */
	public void completed(int status) {
		complete(this.service.isFailureStatus(status));
	}

	/**
	 * Ends the exchange without judging the instance (the caller gave up, e.g. a cancelled subscription).
	 */
	public void abandoned() {
		if (this.completed.compareAndSet(false, true)) {
			this.endpoint.requestEnded();
		}
	}

	private void complete(boolean failure) {
		if (this.completed.compareAndSet(false, true)) {
			this.endpoint.requestEnded();
			this.service.record(this.endpoint, failure);
		}
	}

}
