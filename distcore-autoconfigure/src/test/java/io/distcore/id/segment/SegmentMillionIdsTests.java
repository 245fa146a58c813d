package io.distcore.id.segment;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.id.segment.jdbc.JdbcSegmentSource;
import io.distcore.id.segment.redis.RedisSegmentSource;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Four generators, standing for four processes with sources of their own, hand out a million ids each on one
 * tag, two threads per generator, at the same time: no id twice.
 */
class SegmentMillionIdsTests {

	private static final int GENERATORS = 4;

	private static final int IDS_PER_GENERATOR = 1_000_000;

	@Test
	void redisSegments() throws Exception {
		String prefix = "distcore:test:million:" + UUID.randomUUID() + ":";
		List<LettuceConnectionFactory> factories = new ArrayList<>();
		try {
			assertNoDuplicates(() -> {
				LettuceConnectionFactory factory = TestServices.redis().connectionFactory();
				factories.add(factory);
				return new RedisSegmentSource(factory, prefix);
			});
			factories.get(0).getConnection().keyCommands().del((prefix + "order").getBytes());
		}
		finally {
			factories.forEach(LettuceConnectionFactory::destroy);
		}
	}

	@Test
	void postgresSegments() throws Exception {
		String table = "million_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		List<HikariDataSource> pools = new ArrayList<>();
		try {
			assertNoDuplicates(() -> {
				HikariDataSource pool = TestServices.postgres().dataSource(2);
				pools.add(pool);
				JdbcSegmentSource source = new JdbcSegmentSource(pool, table, Duration.ofSeconds(5));
				source.createSchema();
				return source;
			});
		}
		finally {
			if (!pools.isEmpty()) {
				new JdbcTemplate(pools.get(0)).execute("DROP TABLE IF EXISTS " + table);
			}
			pools.forEach(HikariDataSource::close);
		}
	}

	private static void assertNoDuplicates(Supplier<SegmentSource> sources) throws Exception {
		List<SegmentIdGenerator> generators = new ArrayList<>();
		for (int i = 0; i < GENERATORS; i++) {
			generators.add(new SegmentIdGenerator(sources.get(), SegmentSettings.fixed(10_000, 0.1), Clock.systemUTC()));
		}
		try {
			long[][] perThread = new long[GENERATORS * 2][];
			List<CompletableFuture<Void>> threads = new ArrayList<>();
			for (int t = 0; t < perThread.length; t++) {
				int index = t;
				SegmentIdGenerator generator = generators.get(t / 2);
				threads.add(CompletableFuture.runAsync(() -> {
					long[] ids = new long[IDS_PER_GENERATOR / 2];
					for (int i = 0; i < ids.length; i++) {
						ids[i] = generator.nextId("order");
					}
					perThread[index] = ids;
				}));
			}
			CompletableFuture.allOf(threads.toArray(CompletableFuture[]::new)).get(5, TimeUnit.MINUTES);
			for (long[] ids : perThread) {
				for (int i = 1; i < ids.length; i++) {
					assertThat(ids[i]).isGreaterThan(ids[i - 1]);
				}
			}
			long[] all = Arrays.stream(perThread).flatMapToLong(Arrays::stream).sorted().toArray();
			assertThat(all).hasSize(GENERATORS * IDS_PER_GENERATOR);
			for (int i = 1; i < all.length; i++) {
				if (all[i] == all[i - 1]) {
					throw new AssertionError("Id " + all[i] + " was handed out twice");
				}
			}
		}
		finally {
			generators.forEach(SegmentIdGenerator::close);
		}
	}

}
