package io.distcore.lock.autoconfigure;

import io.distcore.lock.redis.RedisLockBackend;
import io.distcore.support.PropertyChecks;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.util.ClassUtils;

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
		PropertyChecks.notEmpty("distcore.lock.redis.key-prefix", keyPrefix);
		PropertyChecks.check(!isCluster(connectionFactory) || hasHashTag(keyPrefix), "distcore.lock.redis.key-prefix",
				keyPrefix, "must hold a hash tag on Redis Cluster, such as {distcore-lock}:, so that every lock key and "
						+ "the token counter share a slot");
		return new RedisLockBackend(connectionFactory, keyPrefix);
	}

	private static boolean isCluster(RedisConnectionFactory connectionFactory) {
		return ClassUtils.isPresent("io.lettuce.core.RedisClient", RedisLockConfiguration.class.getClassLoader())
				&& connectionFactory instanceof LettuceConnectionFactory lettuce && lettuce.isClusterAware();
	}

	/** Redis hashes only what is between the first '{' and the next '}', when that is not empty. */
	private static boolean hasHashTag(String keyPrefix) {
		int open = keyPrefix.indexOf('{');
		int close = (open >= 0) ? keyPrefix.indexOf('}', open + 1) : -1;
		return close > open + 1;
	}

}
