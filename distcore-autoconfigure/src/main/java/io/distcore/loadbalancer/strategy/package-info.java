/**
 * The built-in {@link io.distcore.loadbalancer.LoadBalancingStrategy} implementations, one class per strategy.
 */
package io.distcore.loadbalancer.strategy;
