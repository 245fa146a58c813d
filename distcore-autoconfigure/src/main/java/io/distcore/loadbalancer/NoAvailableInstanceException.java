package io.distcore.loadbalancer;

/**
 * No instance of a service can take a request: the service has no instance at all, or every instance was
 * already tried by this request.
 */
public class NoAvailableInstanceException extends RuntimeException {

	private final String serviceId;

	public NoAvailableInstanceException(String serviceId, String message) {
		super(message);
		this.serviceId = serviceId;
	}

	public String getServiceId() {
		return this.serviceId;
	}

}
