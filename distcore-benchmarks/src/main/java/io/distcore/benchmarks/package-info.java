/**
 * JMH benchmarks of distcore next to the peer libraries, run against the same local servers.
 */
package io.distcore.benchmarks;
