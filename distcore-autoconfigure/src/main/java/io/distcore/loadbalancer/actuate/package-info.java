/**
 * Actuator support for the load balancer: the {@code loadbalancer} endpoint and a health indicator.
 */
package io.distcore.loadbalancer.actuate;
