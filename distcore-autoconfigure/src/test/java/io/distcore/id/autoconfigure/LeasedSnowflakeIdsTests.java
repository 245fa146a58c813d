package io.distcore.id.autoconfigure;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.id.IdGenerator;
import io.distcore.id.lease.LeasedWorkerId;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Four applications, each with its own context and a worker id leased from Redis, issue a million ids each at
 * the same time: not one of the four million repeats.
 */
class LeasedSnowflakeIdsTests {

	private static final int GENERATORS = 4;

	private static final int IDS_EACH = 1_000_000;

	private final String keyPrefix = "distcore-test:" + UUID.randomUUID() + ":worker:";

	@AfterEach
	void deleteKeys() {
		LettuceConnectionFactory factory = TestServices.redis().connectionFactory();
		StringRedisTemplate redis = new StringRedisTemplate(factory);
		redis.delete(redis.keys(this.keyPrefix + "*"));
		factory.destroy();
	}

	@Test
	@Timeout(value = 5, unit = TimeUnit.MINUTES)
	void fourGeneratorsOnLeasedWorkerIdsIssueFourMillionDistinctIds() throws Exception {
		ApplicationContextRunner runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class, DataRedisAutoConfiguration.class,
					IdAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=" + TestServices.redis().host(),
					"spring.data.redis.port=" + TestServices.redis().port(),
					"distcore.id.snowflake.lease.key-prefix=" + this.keyPrefix, "distcore.id.snowflake.lease.ttl=1s",
					"distcore.id.snowflake.lease.heartbeat=200ms");
		long[] ids = new long[GENERATORS * IDS_EACH];
		Set<Integer> slots = new HashSet<>();
		ExecutorService executor = Executors.newFixedThreadPool(GENERATORS);
		try {
			List<Future<Integer>> runs = new ArrayList<>();
			for (int g = 0; g < GENERATORS; g++) {
				int offset = g * IDS_EACH;
				runs.add(executor.submit(() -> {
					int[] slot = new int[1];
					runner.run((context) -> {
						assertThat(context).hasNotFailed();
						IdGenerator generator = context.getBean(IdGenerator.class);
						for (int i = 0; i < IDS_EACH; i++) {
							ids[offset + i] = generator.nextId();
						}
						slot[0] = context.getBean(LeasedWorkerId.class).slot();
					});
					return slot[0];
				}));
			}
			for (Future<Integer> run : runs) {
				slots.add(run.get(4, TimeUnit.MINUTES));
			}
		}
		finally {
			executor.shutdownNow();
		}
		assertThat(slots).hasSize(GENERATORS);
		Arrays.sort(ids);
		assertThat(ids[0]).isPositive();
		for (int i = 1; i < ids.length; i++) {
			if (ids[i] == ids[i - 1]) {
				throw new AssertionError("Duplicate id " + ids[i]);
			}
		}
	}

}
