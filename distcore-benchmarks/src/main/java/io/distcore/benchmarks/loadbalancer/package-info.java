/**
 * JMH benchmarks of the load balancer's {@code choose()}, side by side with Spring Cloud LoadBalancer.
 */
package io.distcore.benchmarks.loadbalancer;
