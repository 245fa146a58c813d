package io.distcore.lock;

/**
 * A hold a backend granted.
 * @param fencingToken token of the hold (strictly increasing per name, as before)
 * @param leaseStartedAt System.nanoTime() taken at the start of the attempt that won (no later than the
 * moment the backend's lease began): the registry counts the lease from here, not from the start of the wait
 */
public record LockGrant(long fencingToken, long leaseStartedAt) { }
