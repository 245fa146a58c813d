/**
 * The {@link io.distcore.lock.DistributedLock} advice: key evaluation, acquisition order and the
 * transaction guard.
 */
package io.distcore.lock.aop;
