package io.distcore.id.snowflake;

import java.time.Instant;

/**
 * The parts of one snowflake id.
 *
 * @param id the id
 * @param timestamp when it was issued, to the millisecond
 * @param datacenterId datacenter of the worker that issued it
 * @param workerId worker that issued it
 * @param sequence its place within that millisecond
 */
public record SnowflakeId(long id, Instant timestamp, long datacenterId, long workerId, long sequence) {
}
