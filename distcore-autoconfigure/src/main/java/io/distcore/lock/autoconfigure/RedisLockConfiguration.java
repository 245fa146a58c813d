package io.distcore.lock.autoconfigure;

import io.distcore.lock.redis.RedisLockBackend;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.util.StringUtils;

/**
 * Wires the Redis lock backend when its infrastructure is present.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnClass(RedisConnectionFactory.class)
class RedisLockConfiguration {

	@Bean
	@ConditionalOnMissingBean
	@ConditionalOnBean(RedisConnectionFactory.class)
	RedisLockBackend redisLockBackend(RedisConnectionFactory connectionFactory, LockProperties properties) {
		String keyPrefix = properties.getRedis().getKeyPrefix();
		if (!StringUtils.hasText(keyPrefix)) {
			throw new IllegalStateException("distcore.lock.redis.key-prefix must not be empty, was '" + keyPrefix + "'");
		}
		return new RedisLockBackend(connectionFactory, keyPrefix);
	}

}
