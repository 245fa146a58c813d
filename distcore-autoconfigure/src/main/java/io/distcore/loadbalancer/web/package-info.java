/**
 * Load balancing for Spring's HTTP clients: the {@link io.distcore.loadbalancer.web.LoadBalanced} qualifier, the
 * RestClient / RestTemplate interceptor, the WebClient filter and the post-processor that installs them.
 */
package io.distcore.loadbalancer.web;
