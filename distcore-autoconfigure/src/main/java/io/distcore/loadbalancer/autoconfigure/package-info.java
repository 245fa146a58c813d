/**
 * Auto-configuration and {@code distcore.loadbalancer.*} properties of the load balancer.
 */
package io.distcore.loadbalancer.autoconfigure;
