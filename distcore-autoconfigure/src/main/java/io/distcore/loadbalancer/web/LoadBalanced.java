package io.distcore.loadbalancer.web;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

import org.springframework.beans.factory.annotation.Qualifier;

/**
 * Marks a {@code RestClient.Builder}, {@code RestTemplate} or {@code WebClient.Builder} bean whose requests to
 * {@code http://<service-name>/...} go through the distcore load balancer; requests to other hosts pass
 * through unchanged. Also a qualifier, to inject that bean:
 * <pre class="code">
 * &#64;Bean &#64;LoadBalanced
 * RestClient.Builder loadBalancedRestClient() { return RestClient.builder(); }
 *
 * InventoryClient(&#64;LoadBalanced RestClient.Builder builder) { ... }
 * </pre>
 * Beans without it are left alone.
 */
@Target({ ElementType.FIELD, ElementType.PARAMETER, ElementType.METHOD, ElementType.TYPE })
@Retention(RetentionPolicy.RUNTIME)
@Documented
@Qualifier
public @interface LoadBalanced {

}
