/**
 * Id generator benchmarks: snowflake next to Hutool, segment generators on PostgreSQL, Redis and in memory.
 */
package io.distcore.benchmarks.id;
