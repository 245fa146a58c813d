package io.distcore.sample.order;

import io.distcore.loadbalancer.web.LoadBalanced;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.restclient.autoconfigure.RestClientBuilderConfigurer;
import org.springframework.context.annotation.Bean;
import org.springframework.web.client.RestClient;

/**
 * Entry point of the order sample.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class OrderApplication {

	/**
	 * The builder of clients whose {@code http://<service>/} URLs go through the distcore load balancer; Boot's
	 * customizations (message converters, observations) still apply.
	 */
	@Bean
	@LoadBalanced
	RestClient.Builder loadBalancedRestClientBuilder(RestClientBuilderConfigurer configurer) {
		return configurer.configure(RestClient.builder());
	}

	public static void main(String[] args) {
		SpringApplication.run(OrderApplication.class, args);
	}

}
