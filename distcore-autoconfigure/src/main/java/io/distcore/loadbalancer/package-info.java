/**
 * Client-side load balancing: the {@link io.distcore.loadbalancer.LoadBalancer} API a user touches, service
 * instances, the strategy SPI and its exceptions.
 */
package io.distcore.loadbalancer;
