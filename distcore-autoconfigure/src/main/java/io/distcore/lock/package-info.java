/**
 * Distributed locks as a user sees them: {@link io.distcore.lock.DistributedLock}, the
 * {@link io.distcore.lock.LockRegistry}, exceptions and listeners, and the {@link io.distcore.lock.LockBackend}
 * SPI each backend implements.
 */
package io.distcore.lock;
