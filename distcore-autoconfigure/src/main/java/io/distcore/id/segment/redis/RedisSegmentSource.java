package io.distcore.id.segment.redis;

import io.distcore.id.SegmentUnavailableException;
import io.distcore.id.segment.Segment;
import io.distcore.id.segment.SegmentSource;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.util.Assert;

/**
 * Segments from one Redis counter per tag, key {@code <keyPrefix><tag>}: {@code INCRBY step} reserves
 * {@code [value - step + 1, value]} atomically, and a missing key counts as 0. The counter is only as durable
 * as the server: without persistence (or after a failover to a replica that missed the last increments) it
 * comes back lower, which {@link io.distcore.id.segment.SegmentIdGenerator} detects and refuses, but only for the
 * ids that generator itself reserved. Run Redis with AOF ({@code appendfsync everysec} or stricter) for ids that
 * must stay unique across restarts of everything. An unreachable server raises
 * {@link SegmentUnavailableException} after the connection factory's command timeout.
 */
public final class RedisSegmentSource implements SegmentSource {

	private final StringRedisTemplate redis;

	private final String keyPrefix;

	/**
	 * Creates a source.
	 * @param connectionFactory the Redis server
	 * @param keyPrefix prefix of the counter keys, not empty
	 */
	public RedisSegmentSource(RedisConnectionFactory connectionFactory, String keyPrefix) {
		Assert.notNull(connectionFactory, "Redis connection factory must not be null");
		Assert.hasText(keyPrefix, "Key prefix must not be empty");
		this.redis = new StringRedisTemplate(connectionFactory);
		this.keyPrefix = keyPrefix;
	}

	@Override
	public Segment next(String tag, long step) {
		Assert.hasText(tag, "Tag must not be empty");
		Assert.isTrue(step >= 1, () -> "Step must be at least 1, was " + step);
		String key = this.keyPrefix + tag;
		Long maxId;
		try {
			maxId = this.redis.opsForValue().increment(key, step);
		}
		catch (DataAccessException ex) {
			throw new SegmentUnavailableException("Could not reserve an id segment of tag '" + tag + "' with INCRBY "
					+ key + ": " + ex.getMostSpecificCause().getMessage(), ex);
		}
		if (maxId == null) {
			throw new SegmentUnavailableException("Redis returned no value for INCRBY " + key
					+ " (a pipeline or transaction is open on this connection factory)");
		}
		return Segment.endingAt(maxId, step);
	}

	@Override
	public String toString() {
		return "Redis keys '" + this.keyPrefix + "<tag>'";
	}

}
