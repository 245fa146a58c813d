package io.distcore.benchmarks;

import java.time.Clock;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import io.distcore.id.segment.Segment;
import io.distcore.id.segment.SegmentIdGenerator;
import io.distcore.id.segment.SegmentSettings;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Ids per second of the segment engine once segments are buffered: the backend is an in-memory counter, so
 * this measures the hot path and the background refills, not a database.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
@Fork(1)
@State(Scope.Benchmark)
public class SegmentIdBenchmark {

	private SegmentIdGenerator generator;

	@Setup
	public void start() {
		AtomicLong counter = new AtomicLong();
		this.generator = new SegmentIdGenerator((tag, step) -> Segment.endingAt(counter.addAndGet(step), step),
				SegmentSettings.fixed(100_000, 0.1), Clock.systemUTC());
	}

	@TearDown
	public void stop() {
		this.generator.close();
	}

	@Benchmark
	public long nextId() {
		return this.generator.nextId("order");
	}

}
