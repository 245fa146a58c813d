/**
 * Lock benchmarks: each distcore lock backend, through the public {@code NamedLock} API, next to its peers on the
 * same local server.
 */
package io.distcore.benchmarks.lock;
