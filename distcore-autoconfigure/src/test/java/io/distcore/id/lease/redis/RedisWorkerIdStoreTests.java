package io.distcore.id.lease.redis;

import java.util.UUID;

import io.distcore.id.lease.AbstractWorkerIdStoreTests;
import io.distcore.id.lease.WorkerIdStore;
import io.distcore.test.TestServices;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * The Redis store on a real server. All stores of a test share one connection: the store keeps no state of its
 * own, so they still act as separate processes.
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

	@Override
	protected void cleanUp() {
		this.redis.delete(this.redis.keys(this.prefix + "*"));
		this.connectionFactory.destroy();
	}

}
