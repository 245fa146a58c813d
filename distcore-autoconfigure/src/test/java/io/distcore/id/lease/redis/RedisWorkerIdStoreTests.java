package io.distcore.id.lease.redis;

import java.util.UUID;

import io.distcore.id.lease.AbstractWorkerIdStoreTests;
import io.distcore.id.lease.WorkerIdLeaseException;
import io.distcore.id.lease.WorkerIdStore;
import io.distcore.test.RedisEndpoint;
import io.distcore.test.TcpProxy;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The Redis store on a real server. All stores of a test share one connection: the store keeps no state of its
 * own, so they still act as separate processes. Plus: a claim that cannot reach Redis says what to check.
 */
class RedisWorkerIdStoreTests extends AbstractWorkerIdStoreTests {

	private final String prefix = "distcore-test:" + UUID.randomUUID() + ":worker:";

	private final LettuceConnectionFactory connectionFactory = TestServices.redis().connectionFactory();

	private final StringRedisTemplate redis = new StringRedisTemplate(this.connectionFactory);

	@Override
	protected WorkerIdStore newStore() {
		return new RedisWorkerIdStore(this.connectionFactory, this.prefix);
	}

	@Override
	protected void steal(int slot, String thief) {
		this.redis.opsForValue().set(this.prefix + slot, thief);
	}

	@Override
	protected void unsteal(int slot, String thief) {
		this.redis.delete(this.prefix + slot);
	}

	@Test
	void aClaimThatCannotReachRedisNamesTheRemedy() throws Exception {
		try (TcpProxy proxy = new TcpProxy(TestServices.redis().host(), TestServices.redis().port())) {
			proxy.down();
			LettuceConnectionFactory unreachable = new RedisEndpoint("127.0.0.1", proxy.port()).connectionFactory();
			try {
				assertThatExceptionOfType(WorkerIdLeaseException.class)
					.isThrownBy(() -> new RedisWorkerIdStore(unreachable, this.prefix).claim("A", 1024, TTL))
					.withMessageContaining("Could not claim a worker id in Redis (" + this.prefix + "*)")
					.withMessageContaining("spring.data.redis.*")
					.withMessageContaining("distcore.id.snowflake.lease.backend")
					.withMessageContaining("distcore.id.snowflake.worker-id");
			}
			finally {
				unreachable.destroy();
			}
		}
	}

	@Override
	protected void cleanUp() {
		this.redis.delete(this.redis.keys(this.prefix + "*"));
		this.connectionFactory.destroy();
	}

}
