package io.distcore.sample.order;

import java.net.URI;
import java.time.Duration;
import java.util.List;

import jakarta.validation.constraints.NotEmpty;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.validation.annotation.Validated;

/**
 * Where the inventory service runs.
 *
 * @param instances base URLs of the inventory instances
 * @param timeout connect and read timeout of one call
 */
@Validated
@ConfigurationProperties("sample.inventory")
record InventoryProperties(@NotEmpty List<URI> instances, Duration timeout) {

	InventoryProperties {
		timeout = (timeout != null) ? timeout : Duration.ofSeconds(2);
	}

}
