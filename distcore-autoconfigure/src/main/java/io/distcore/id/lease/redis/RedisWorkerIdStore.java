package io.distcore.id.lease.redis;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.ThreadLocalRandom;

import io.distcore.id.lease.WorkerIdLeaseException;
import io.distcore.id.lease.WorkerIdStore;

import org.springframework.dao.DataAccessException;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * Worker id leases in Redis: key {@code <keyPrefix><slot>} holds the owner with a {@code PX} expiry (Redis judges
 * the ttl), and the persistent key {@code <keyPrefix><slot>:last} the newest timestamp any holder stored. Every
 * operation is one Lua script, so claim, renew and release are atomic.
 * <p>
 * The claim script computes key names from the prefix, so all slots must live on one node: on Redis Cluster put a
 * hash tag into the prefix, such as {@code {distcore-id}:worker:}.
 */
public final class RedisWorkerIdStore implements WorkerIdStore {

	// Takes the first free slot of `attempts` slots from `start` on (wrapping at `slots`) with SET NX PX and
	// returns {slot, stored last timestamp}; an empty array when all of them are held.
	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> CLAIM = new DefaultRedisScript<>("""
			local prefix, owner, ttl = ARGV[1], ARGV[2], ARGV[3]
			local slots, start, attempts = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
			for i = 0, attempts - 1 do
				local slot = (start + i) % slots
				local key = prefix .. slot
				if redis.call('SET', key, owner, 'NX', 'PX', ttl) then
					return { slot, redis.call('GET', key .. ':last') or '0' }
				end
			end
			return {}
			""", List.class);

	// Extends the key only while it names this owner, and raises (never lowers) the stored last timestamp.
	private static final RedisScript<Long> RENEW = new DefaultRedisScript<>("""
			if redis.call('GET', KEYS[1]) ~= ARGV[1] then
				return 0
			end
			redis.call('PEXPIRE', KEYS[1], ARGV[2])
			if tonumber(ARGV[3]) > tonumber(redis.call('GET', KEYS[2]) or '0') then
				redis.call('SET', KEYS[2], ARGV[3])
			end
			return 1
			""", Long.class);

	// Raises the stored last timestamp and deletes the key, only while it names this owner.
	private static final RedisScript<Long> RELEASE = new DefaultRedisScript<>("""
			if redis.call('GET', KEYS[1]) ~= ARGV[1] then
				return 0
			end
			if tonumber(ARGV[2]) > tonumber(redis.call('GET', KEYS[2]) or '0') then
				redis.call('SET', KEYS[2], ARGV[2])
			end
			redis.call('DEL', KEYS[1])
			return 1
			""", Long.class);

	private final StringRedisTemplate redis;

	private final String keyPrefix;

	/**
	 * Creates a store; nothing is sent to Redis until the first call.
	 * @param connectionFactory the application's Redis
	 * @param keyPrefix prefix of the slot keys, not empty
	 */
	public RedisWorkerIdStore(RedisConnectionFactory connectionFactory, String keyPrefix) {
		Assert.notNull(connectionFactory, "RedisConnectionFactory must not be null");
		Assert.isTrue(StringUtils.hasText(keyPrefix), () -> "Key prefix must not be empty, was '" + keyPrefix + "'");
		this.redis = new StringRedisTemplate(connectionFactory);
		this.keyPrefix = keyPrefix;
	}

	@Override
	public String name() {
		return "redis";
	}

	@Override
	public Optional<Claim> claim(String owner, int slotCount, Duration ttl) {
		Assert.isTrue(slotCount > 0, "Slot count must be positive");
		int start = ThreadLocalRandom.current().nextInt(slotCount);
		return runClaim(owner, ttl, slotCount, start, slotCount);
	}

	@Override
	public OptionalLong claim(int slot, String owner, Duration ttl) {
		Assert.isTrue(slot >= 0, "Slot must not be negative");
		return runClaim(owner, ttl, slot + 1, slot, 1).map((claim) -> OptionalLong.of(claim.previousTimestamp()))
			.orElseGet(OptionalLong::empty);
	}

	@Override
	public boolean renew(int slot, String owner, long lastTimestamp, Duration ttl) {
		return execute(RENEW, "renew", keys(slot), owner, Long.toString(ttl.toMillis()),
				Long.toString(lastTimestamp)) == 1;
	}

	@Override
	public boolean release(int slot, String owner, long lastTimestamp) {
		return execute(RELEASE, "release", keys(slot), owner, Long.toString(lastTimestamp)) == 1;
	}

	/** Redis judges the ttl itself: a key set or extended with {@code PX ttl} lives that long after Redis ran the script. */
	@Override
	public Duration guaranteedHold(Duration ttl) {
		return ttl;
	}

	private Optional<Claim> runClaim(String owner, Duration ttl, int slots, int start, int attempts) {
		Assert.hasText(owner, "Owner must not be empty");
		List<?> reply = execute(CLAIM, "claim", List.of(), this.keyPrefix, owner, Long.toString(ttl.toMillis()),
				Integer.toString(slots), Integer.toString(start), Integer.toString(attempts));
		if (reply == null || reply.isEmpty()) {
			return Optional.empty();
		}
		return Optional.of(new Claim(((Number) reply.get(0)).intValue(), Long.parseLong(reply.get(1).toString())));
	}

	private List<String> keys(int slot) {
		String key = this.keyPrefix + slot;
		return List.of(key, key + ":last");
	}

	private <T> T execute(RedisScript<T> script, String action, List<String> keys, String... args) {
		try {
			return this.redis.execute(script, keys, (Object[]) args);
		}
		catch (DataAccessException ex) {
			String remedy = "claim".equals(action) ? " (is Redis reachable? Check spring.data.redis.* (host, port, "
					+ "password, timeout), choose another distcore.id.snowflake.lease.backend, or set a fixed "
					+ "distcore.id.snowflake.worker-id)" : "";
			throw new WorkerIdLeaseException("Could not " + action + " a worker id in Redis (" + this.keyPrefix
					+ "*): " + ex.getMessage() + remedy, ex);
		}
	}

}
