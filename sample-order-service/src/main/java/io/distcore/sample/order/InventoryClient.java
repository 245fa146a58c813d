package io.distcore.sample.order;

import java.net.URI;
import java.net.http.HttpClient;
import java.util.List;
import java.util.Map;

import io.distcore.loadbalancer.NoAvailableInstanceException;
import io.distcore.loadbalancer.web.LoadBalanced;

import org.springframework.http.HttpStatus;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.stereotype.Component;
import org.springframework.web.client.HttpClientErrorException;
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
	 * Deducts stock for an order; safe to repeat, the inventory applies an order once.
	 * @return {@code null} when deducted, otherwise why not
	 * @throws InventoryUnavailableException when no instance answered
	 */
	String deduct(String orderId, String sku, int quantity) {
		try {
			this.restClient.post()
				.uri("http://inventory-service/inventory/{sku}/deductions", sku)
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
		catch (ResourceAccessException | NoAvailableInstanceException ex) {
			throw new InventoryUnavailableException(this.instances, ex);
		}
	}

}
