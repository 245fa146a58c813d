package io.distcore.sample.order;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import org.springframework.http.HttpStatus;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;

/**
 * Calls the inventory instances in turn and moves on to the next one when an instance cannot be
 * reached.
 */
@Component
class InventoryClient {

	private final List<URI> instances;

	private final RestClient restClient;

	private final AtomicInteger next = new AtomicInteger();

	InventoryClient(InventoryProperties properties, RestClient.Builder builder) {
		this.instances = List.copyOf(properties.instances());
		JdkClientHttpRequestFactory requestFactory = new JdkClientHttpRequestFactory(
				HttpClient.newBuilder().connectTimeout(properties.timeout()).build());
		requestFactory.setReadTimeout(properties.timeout());
		this.restClient = builder.requestFactory(requestFactory).build();
	}

	/**
	 * Deducts stock for an order; safe to repeat, the inventory applies an order once.
	 * @return {@code null} when deducted, otherwise why not
	 * @throws InventoryUnavailableException when no instance answered
	 */
	String deduct(String orderId, String sku, int quantity) {
		ResourceAccessException last = null;
		int start = Math.floorMod(this.next.getAndIncrement(), this.instances.size());
		for (int i = 0; i < this.instances.size(); i++) {
			URI instance = this.instances.get((start + i) % this.instances.size());
			try {
				this.restClient.post()
					.uri(instance + "/inventory/{sku}/deductions", sku)
					.body(Map.of("orderId", orderId, "quantity", quantity))
					.retrieve()
					.toBodilessEntity();
				return null;
			}
			catch (HttpClientErrorException ex) {
				if (ex.getStatusCode() == HttpStatus.CONFLICT) {
					return "insufficient stock for " + sku;
				}
				if (ex.getStatusCode() == HttpStatus.NOT_FOUND) {
					return "unknown SKU " + sku;
				}
				throw ex;
			}
			catch (ResourceAccessException ex) {
				last = ex;
			}
		}
		throw new InventoryUnavailableException(this.instances, last);
	}

}
