package io.distcore.id.segment.redis;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import io.distcore.id.IdGenerationException;
import io.distcore.id.SegmentUnavailableException;
import io.distcore.id.segment.Segment;
import io.distcore.id.segment.SegmentIdAssertions;
import io.distcore.id.segment.SegmentIdGenerator;
import io.distcore.id.segment.SegmentSettings;
import io.distcore.test.TcpProxy;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The Redis segment source on a real server, alone and under the segment generator: uniqueness across
 * processes, a counter that comes back lower, and a server that goes away.
 */
class RedisSegmentSourceTests {

	private static final Duration HANG = Duration.ofSeconds(30);

	/** Unique per test, so that cleaning up never touches the keys of a test running elsewhere. */
	private final String prefix = "distcore-test:" + UUID.randomUUID() + ":seq:";

	private final LettuceConnectionFactory admin = TestServices.redis().connectionFactory();

	private final StringRedisTemplate redis = new StringRedisTemplate(this.admin);

	private final List<AutoCloseable> resources = new ArrayList<>();

	@AfterEach
	void deleteKeysAndClose() throws Exception {
		for (int i = this.resources.size() - 1; i >= 0; i--) {
			this.resources.get(i).close();
		}
		this.redis.delete(this.redis.keys(this.prefix + "*"));
		this.admin.destroy();
	}

	@Test
	void aSegmentIsTheStepBelowTheIncrementedCounter() {
		RedisSegmentSource source = new RedisSegmentSource(factory(TestServices.redis().port(), Duration.ofSeconds(5)),
				this.prefix);
		assertThat(source.next("a", 10)).isEqualTo(new Segment(1, 10));
		assertThat(source.next("a", 5)).isEqualTo(new Segment(11, 15));
		assertThat(this.redis.opsForValue().get(this.prefix + "a")).isEqualTo("15");
	}

	@Test
	void twoProcessesNeverShareAnId() throws Exception {
		String tag = "order-" + UUID.randomUUID();
		List<SegmentIdGenerator> generators = List.of(generator(TestServices.redis().port(), 100),
				generator(TestServices.redis().port(), 100));
		long[] ids = SegmentIdAssertions.assertUniqueAndIncreasingPerThread(generators, tag, 4, 3_000);
		assertThat(Long.parseLong(this.redis.opsForValue().get(this.prefix + tag))).isGreaterThanOrEqualTo(ids[ids.length - 1]);
	}

	@Test
	void aDeletedCounterIsRefusedInsteadOfIssuingDuplicates() throws Exception {
		String tag = "reset-" + UUID.randomUUID();
		SegmentIdGenerator generator = generator(TestServices.redis().port(), 10);
		Set<Long> issued = bufferTwoSegments(generator, tag);
		this.redis.delete(this.prefix + tag);

		issued.addAll(spend(generator, tag, 9));
		assertThat(issued).hasSize(20).allSatisfy((id) -> assertThat(id).isBetween(1L, 20L));
		assertThatExceptionOfType(IdGenerationException.class).isThrownBy(() -> generator.nextId(tag))
			.withMessageContaining(tag)
			.withMessageContaining("20");
	}

	@Test
	void aCounterSetLowerIsRefusedUntilItPassesTheHighestReservedId() throws Exception {
		String tag = "lower-" + UUID.randomUUID();
		SegmentIdGenerator generator = generator(TestServices.redis().port(), 10);
		Set<Long> issued = bufferTwoSegments(generator, tag);
		this.redis.opsForValue().set(this.prefix + tag, "5");

		issued.addAll(spend(generator, tag, 9));
		assertThatExceptionOfType(IdGenerationException.class).isThrownBy(() -> generator.nextId(tag))
			.withMessageContaining(tag)
			.withMessageContaining("[6, 15]")
			.withMessageContaining("20");
		this.redis.opsForValue().set(this.prefix + tag, "1000");
		assertThat(generator.nextId(tag)).isEqualTo(1001);
	}

	@Test
	void redisGoingAwayLeavesTheBufferedSegmentsToSpendThenFailsFast() throws Exception {
		TcpProxy proxy = new TcpProxy(TestServices.redis().host(), TestServices.redis().port());
		this.resources.add(proxy);
		LettuceConnectionFactory factory = factory(proxy.port(), Duration.ofSeconds(1));
		SegmentIdGenerator generator = new SegmentIdGenerator(new RedisSegmentSource(factory, this.prefix),
				SegmentSettings.fixed(100, 0.1), Clock.systemUTC());
		this.resources.add(generator);
		String tag = "down-" + UUID.randomUUID();

		SegmentIdAssertions.takeThrough(generator, tag, 1, 11);
		SegmentIdAssertions.await("the next segment is buffered", () -> generator.bufferedIds(tag) == 89 + 100);
		proxy.down();

		SegmentIdAssertions.takeThrough(generator, tag, 12, 200);
		long start = System.nanoTime();
		assertThatExceptionOfType(SegmentUnavailableException.class).isThrownBy(() -> generator.nextId(tag))
			.withMessageContaining(tag);
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(HANG);
	}

	/** Takes the first id, then enough to start the prefetch, and waits until both segments are buffered. */
	private Set<Long> bufferTwoSegments(SegmentIdGenerator generator, String tag) throws InterruptedException {
		Set<Long> issued = new HashSet<>();
		for (int i = 0; i < 2; i++) {
			issued.add(generator.nextId(tag));
		}
		SegmentIdAssertions.await("the next segment is buffered", () -> generator.bufferedIds(tag) == 18);
		issued.addAll(spend(generator, tag, 9));
		return issued;
	}

	private static Set<Long> spend(SegmentIdGenerator generator, String tag, int count) {
		Set<Long> ids = new HashSet<>();
		for (int i = 0; i < count; i++) {
			assertThat(ids.add(generator.nextId(tag))).isTrue();
		}
		return ids;
	}

	private SegmentIdGenerator generator(int port, long step) {
		SegmentIdGenerator generator = new SegmentIdGenerator(
				new RedisSegmentSource(factory(port, Duration.ofSeconds(5)), this.prefix),
				SegmentSettings.fixed(step, 0.1), Clock.systemUTC());
		this.resources.add(generator);
		return generator;
	}

	private LettuceConnectionFactory factory(int port, Duration commandTimeout) {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration(TestServices.redis().host(), port),
				LettuceClientConfiguration.builder().commandTimeout(commandTimeout).build());
		factory.afterPropertiesSet();
		factory.start();
		this.resources.add(factory::destroy);
		return factory;
	}

}
