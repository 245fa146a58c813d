/**
 * The in-JVM lock backend: exclusion between threads of one process only.
 */
package io.distcore.lock.local;
