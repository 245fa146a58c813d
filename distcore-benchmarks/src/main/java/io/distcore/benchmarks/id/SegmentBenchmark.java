package io.distcore.benchmarks.id;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.id.segment.Segment;
import io.distcore.id.segment.SegmentIdGenerator;
import io.distcore.id.segment.SegmentSettings;
import io.distcore.id.segment.SegmentSource;
import io.distcore.id.segment.jdbc.JdbcSegmentSource;
import io.distcore.id.segment.redis.RedisSegmentSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Ids per second of the segment generators on their real sources (PostgreSQL at 127.0.0.1:5432/test, Redis at
 * 127.0.0.1:6379), next to an in-memory source that shows the engine's own ceiling. With background
 * prefetch, callers only meet the backend when a segment is spent before the next one arrived.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(1)
public class SegmentBenchmark {

	private static final String TABLE = "bench_id_segment";

	@Param({ "memory", "jdbc", "redis" })
	public String source;

	@Param({ "1000", "10000" })
	public long step;

	private SegmentIdGenerator generator;

	private HikariDataSource dataSource;

	private LettuceConnectionFactory redis;

	@Setup(Level.Trial)
	public void start() {
		this.generator = new SegmentIdGenerator(source(), SegmentSettings.fixed(this.step, 0.1), Clock.systemUTC());
	}

	private SegmentSource source() {
		switch (this.source) {
			case "jdbc" -> {
				this.dataSource = new HikariDataSource();
				this.dataSource.setJdbcUrl(System.getProperty("bench.postgres.url", "jdbc:postgresql://127.0.0.1:5432/test"));
				this.dataSource.setUsername("postgres");
				this.dataSource.setMaximumPoolSize(4);
				new JdbcTemplate(this.dataSource).execute("DROP TABLE IF EXISTS " + TABLE);
				JdbcSegmentSource jdbc = new JdbcSegmentSource(this.dataSource, TABLE, Duration.ofSeconds(5));
				jdbc.createSchema();
				return jdbc;
			}
			case "redis" -> {
				this.redis = new LettuceConnectionFactory(new RedisStandaloneConfiguration("127.0.0.1", 6379));
				this.redis.afterPropertiesSet();
				this.redis.start();
				this.redis.getConnection().keyCommands().del("bench:id:order".getBytes());
				return new RedisSegmentSource(this.redis, "bench:id:");
			}
			default -> {
				AtomicLong counter = new AtomicLong();
				return (tag, step) -> Segment.endingAt(counter.addAndGet(step), step);
			}
		}
	}

	@TearDown(Level.Trial)
	public void stop() {
		this.generator.close();
		if (this.dataSource != null) {
			new JdbcTemplate(this.dataSource).execute("DROP TABLE IF EXISTS " + TABLE);
			this.dataSource.close();
		}
		if (this.redis != null) {
			this.redis.getConnection().keyCommands().del("bench:id:order".getBytes());
			this.redis.destroy();
		}
	}

	@Benchmark
	@Threads(1)
	public long oneThread() {
		return this.generator.nextId("order");
	}

	@Benchmark
	@Threads(2)
	public long twoThreads() {
		return this.generator.nextId("order");
	}

}
