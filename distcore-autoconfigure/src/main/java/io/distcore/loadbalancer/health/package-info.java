/**
 * Passive health: ejection of instances that keep failing, panic mode and slow start.
 */
package io.distcore.loadbalancer.health;
