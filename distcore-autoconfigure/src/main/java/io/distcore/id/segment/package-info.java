/**
 * The segment id engine: ranges of ids reserved per tag from a {@link io.distcore.id.segment.SegmentSource}, handed
 * out from memory with the next range fetched in the background.
 */
package io.distcore.id.segment;
