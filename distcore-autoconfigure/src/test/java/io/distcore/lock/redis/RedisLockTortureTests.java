package io.distcore.lock.redis;

import io.distcore.lock.AbstractLockTortureTests;
import io.distcore.test.RedisEndpoint;
import io.distcore.test.TestServices;

import org.springframework.boot.data.redis.autoconfigure.DataRedisAutoConfiguration;

class RedisLockTortureTests extends AbstractLockTortureTests {

	@Override
	protected String[] backendProperties() {
		RedisEndpoint redis = TestServices.redis();
		return new String[] { "distcore.lock.backend=redis", "spring.data.redis.host=" + redis.host(),
				"spring.data.redis.port=" + redis.port() };
	}

	@Override
	protected Class<?>[] infrastructure() {
		return new Class<?>[] { DataRedisAutoConfiguration.class };
	}

}
