/**
 * Worker id leases kept as Redis keys with an expiry.
 */
package io.distcore.id.lease.redis;
