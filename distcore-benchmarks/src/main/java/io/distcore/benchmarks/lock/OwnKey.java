package io.distcore.benchmarks.lock;

import java.util.concurrent.atomic.AtomicInteger;

import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * The lock name of the uncontended scenario: one per measuring thread, so that no two threads share a lock.
 */
@State(Scope.Thread)
public class OwnKey {

	private static final AtomicInteger threads = new AtomicInteger();

	final String name = "uncontended-" + threads.incrementAndGet();

}
