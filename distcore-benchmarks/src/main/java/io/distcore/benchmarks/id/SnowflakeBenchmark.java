package io.distcore.benchmarks.id;

import java.time.Clock;
import java.time.Duration;
import java.util.Date;
import java.util.concurrent.TimeUnit;

import cn.hutool.core.lang.Snowflake;
import io.distcore.id.snowflake.SnowflakeIdGenerator;
import io.distcore.id.snowflake.SnowflakeLayout;
import io.distcore.id.snowflake.WorkerIdLease;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One snowflake worker, distcore against Hutool's {@code Snowflake}, same layout (41 + 5 + 5 + 12) and epoch.
 * A single worker is capped at 4,096 ids per millisecond by its sequence, so 4.096 million ids/s is the ceiling
 * for both, however many threads call it.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class SnowflakeBenchmark {

	private SnowflakeIdGenerator distcore;

	private SnowflakeIdGenerator distcoreRandomFirst;

	private Snowflake hutool;

	@Setup
	public void setUp() {
		SnowflakeLayout layout = SnowflakeLayout.DEFAULT;
		this.distcore = new SnowflakeIdGenerator(layout, WorkerIdLease.fixed(1, 1), Clock.systemUTC(),
				Duration.ofMillis(5), false);
		this.distcoreRandomFirst = new SnowflakeIdGenerator(layout, WorkerIdLease.fixed(1, 1), Clock.systemUTC(),
				Duration.ofMillis(5), true);
		// Hutool's own clock mode (false: its cached SystemClock is used) and no random first sequence.
		this.hutool = new Snowflake(Date.from(layout.epoch()), 1, 1, false, 5, 0);
	}

	@Benchmark
	@Threads(1)
	public long distcore1Thread() {
		return this.distcore.nextId();
	}

	@Benchmark
	@Threads(2)
	public long distcore2Threads() {
		return this.distcore.nextId();
	}

	@Benchmark
	@Threads(1)
	public long distcoreRandomFirstSequence1Thread() {
		return this.distcoreRandomFirst.nextId();
	}

	@Benchmark
	@Threads(1)
	public long hutool1Thread() {
		return this.hutool.nextId();
	}

	@Benchmark
	@Threads(2)
	public long hutool2Threads() {
		return this.hutool.nextId();
	}

}
