package io.distcore.sample.order;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.List;
import java.util.Map;

import io.distcore.loadbalancer.NoAvailableInstanceException;
import io.distcore.loadbalancer.web.LoadBalanced;

import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.ErrorResponseException;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.HttpServerErrorException;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;

/**
 * Calls the inventory service through the distcore load balancer: {@code http://inventory-service} is resolved
 * to one of the instances of {@code distcore.loadbalancer.services.inventory-service}, and a call that cannot
 * reach an instance is retried on another one.
 */
@Component
class InventoryClient {

	private final List<URI> instances;

	private final RestClient restClient;

	InventoryClient(InventoryProperties properties, @LoadBalanced RestClient.Builder builder) {
		this.instances = List.copyOf(properties.instances());
		JdkClientHttpRequestFactory requestFactory = new JdkClientHttpRequestFactory(
				HttpClient.newBuilder().connectTimeout(properties.timeout()).build());
		requestFactory.setReadTimeout(properties.timeout());
		this.restClient = builder.clone().requestFactory(requestFactory).build();
	}

	/**
	 * Reserves stock for an order: the try of the inventory's TCC branch. Inside the placement's global
	 * transaction distcore enlists {@code http://inventory-service} as a branch before the call and signs it; the
	 * branch's confirm or cancel later goes to any healthy instance.
	 * @throws OrderRefusedException when the inventory refused (409, 404 and other client errors: not enough
	 * stock, unknown SKU)
	 * @throws InventoryUnavailableException when no instance answered, or when the only answer was that the
	 * reservation had already been made (410 from distcore's barrier): the load balancer retried a reservation
	 * whose reply was lost. Its outcome is not known here, so the order is cancelled (which releases the
	 * reservation), as it would be had the balancer not retried; it is not reported as refused.
	 * @throws ErrorResponseException (502) when an instance answered with a server error
	 */
	void reserve(String orderId, String sku, int quantity) {
		try {
			this.restClient.post()
				.uri("http://inventory-service/inventory/{sku}/reservations", sku)
				.body(Map.of("orderId", orderId, "quantity", quantity))
				.retrieve()
				.toBodilessEntity();
		}
		catch (HttpClientErrorException ex) {
			if (ex.getStatusCode() == HttpStatus.GONE) {
				throw new InventoryUnavailableException("The inventory's reply to the reservation was lost, and its "
						+ "retry found the reservation already made: the order is cancelled and the reservation released",
						ex);
			}
			throw new OrderRefusedException(refusal(ex, sku));
		}
		catch (HttpServerErrorException ex) {
			ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.BAD_GATEWAY,
					"The inventory failed the reservation: " + ex.getStatusCode().value());
			problem.setTitle("Inventory failed");
			throw new ErrorResponseException(HttpStatus.BAD_GATEWAY, problem, ex);
		}
		catch (ResourceAccessException | NoAvailableInstanceException ex) {
			throw new InventoryUnavailableException(this.instances, ex);
		}
	}

	private static String refusal(HttpClientErrorException ex, String sku) {
		if (ex.getStatusCode() == HttpStatus.NOT_FOUND) {
			return "unknown SKU " + sku;
		}
		ProblemDetail problem = ex.getResponseBodyAs(ProblemDetail.class);
		String title = (problem != null) ? problem.getTitle() : null;
		if (ex.getStatusCode() == HttpStatus.CONFLICT && "Insufficient stock".equals(title)) {
			return "insufficient stock for " + sku;
		}
		return "inventory refused the reservation: " + ex.getStatusCode().value() + ((title != null) ? " " + title : "");
	}

}
