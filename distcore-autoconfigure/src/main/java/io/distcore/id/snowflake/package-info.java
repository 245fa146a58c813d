/**
 * Snowflake ids: time-ordered 63-bit ids from a timestamp, a worker id and a per-millisecond sequence.
 */
package io.distcore.id.snowflake;
