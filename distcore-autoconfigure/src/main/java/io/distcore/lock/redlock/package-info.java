/**
 * The RedLock lock backend: a lock held on a majority of independent Redis servers.
 */
package io.distcore.lock.redlock;
