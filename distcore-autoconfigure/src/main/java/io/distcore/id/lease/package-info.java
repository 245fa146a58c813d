/**
 * Worker ids leased from a shared backend for snowflake generators: the store SPI and the heartbeat that keeps a lease.
 */
package io.distcore.id.lease;
