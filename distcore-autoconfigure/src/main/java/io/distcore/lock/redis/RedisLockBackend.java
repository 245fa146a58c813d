package io.distcore.lock.redis;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

import io.distcore.lock.HandOverLockBackend;
import io.distcore.lock.LockBackendUnavailableException;
import io.distcore.lock.LockGrant;

import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.dao.DataAccessException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.RedisSystemException;
import org.springframework.data.redis.connection.Message;
import org.springframework.data.redis.connection.RedisConnectionCommands;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.DefaultRedisScript;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.listener.ChannelTopic;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import org.springframework.util.Assert;

/**
 * Locks on one Redis server (or the primary of a replicated setup) through a Spring Data Redis
 * {@link RedisConnectionFactory}. The lock is the key {@code <keyPrefix>{<name>}} holding the owner, with the
 * lease as its expiry; nothing else is kept per name, so a released or expired lock leaves no key behind, however
 * many names (one per order, say) come and go. The fencing token comes from {@code INCR} of one counter for all
 * names, {@code <keyPrefix>token}, a key that never expires: tokens keep increasing across the holds of every
 * name for as long as Redis keeps its data, and continue above the per-name counters
 * {@code <keyPrefix>{<name>}:token} left by earlier versions. Every operation is one Lua script, one round trip,
 * including the {@link #handOver hand-over} from a releasing holder to the next local waiter.
 * On Redis Cluster the scripts touch a lock key and the counter together, so put a hash tag into the prefix, such as
 * {@code {distcore-lock}:}, to keep them in one slot (it takes precedence over the braces around the name, so
 * every lock is on that one slot).
 * <p>
 * An acquire by the owner that holds the lock already is granted: reentry is counted above this SPI, so such an
 * acquire means the reply to an earlier one was lost (Redis applied it, the client never heard), and the owner
 * must not wait out a hold it does not know it has. The grant draws a new token and a new lease, as any new hold
 * does.
 * <p>
 * Waiters do not poll: a release publishes the lock name on the channel {@code <keyPrefix>released}, to which
 * each backend instance subscribes once, on the first wait. A waiter parks until a release of its lock is
 * heard or the holder's remaining lease (its {@code PTTL}) runs out, whichever comes first; the lease bound
 * also covers releases missed while the subscription reconnects. A release wakes one waiter of the name per
 * backend instance, not all of them. A hand-over publishes nothing, so waiters of other processes keep waiting:
 * while threads of one process keep passing a lock among themselves, other processes get it only when none of
 * those threads waits any more (as with Spring Integration's registries).
 * <p>
 * When Redis cannot be reached, every operation fails with {@link LockBackendUnavailableException} within the
 * connection factory's command timeout. Replication to a replica is asynchronous: a failover right after an
 * acquisition may lose the hold; fencing tokens are what protects the resource then.
 */
public final class RedisLockBackend implements HandOverLockBackend, AutoCloseable {

	/**
	 * Takes the lock only if nobody else holds it and, in the same atomic step, draws the next fencing token; a
	 * refused caller gets the holder's remaining lease instead, the bound of its wait. The token also exceeds the
	 * per-name counter ({@code KEYS[3]}) that versions before the single counter incremented, so that tokens keep
	 * increasing across the upgrade.
	 */
	@SuppressWarnings("rawtypes")
	private static final RedisScript<List> ACQUIRE = new DefaultRedisScript<>("""
			local holder = redis.call('get', KEYS[1])
			if not holder or holder == ARGV[1] then
				redis.call('set', KEYS[1], ARGV[1], 'px', ARGV[2])
			""" + LockTokenScripts.NEXT_TOKEN + """
				return {1, token}
			end
			return {0, redis.call('pttl', KEYS[1])}
			""", List.class);

	/**
	 * Passes the lock from its holder to the next owner, with a new lease and the next fencing token, only while
	 * the holder still has it; 0 (no token is 0) when it does not. Publishes nothing: the lock never became free.
	 */
	private static final RedisScript<Long> HAND_OVER = new DefaultRedisScript<>("""
			if redis.call('get', KEYS[1]) ~= ARGV[1] then
				return 0
			end
			redis.call('set', KEYS[1], ARGV[2], 'px', ARGV[3])
			""" + LockTokenScripts.NEXT_TOKEN + """
			return token
			""", Long.class);

	/** Extends the lease only while the caller still holds the lock. */
	private static final RedisScript<Long> RENEW = new DefaultRedisScript<>("""
			if redis.call('get', KEYS[1]) == ARGV[1] then
				return redis.call('pexpire', KEYS[1], ARGV[2])
			end
			return 0
			""", Long.class);

	/** Frees the lock only if the caller holds it, and tells the waiters of every process at once. */
	private static final RedisScript<Long> RELEASE = new DefaultRedisScript<>("""
			if redis.call('get', KEYS[1]) == ARGV[1] then
				redis.call('del', KEYS[1])
				redis.call('publish', ARGV[2], ARGV[3])
				return 1
			end
			return 0
			""", Long.class);

	private final RedisConnectionFactory connectionFactory;

	private final StringRedisTemplate redis;

	private final String keyPrefix;

	private final String releaseChannel;

	private final String tokenKey;

	private final ConcurrentMap<String, ReleaseSignal> waiting = new ConcurrentHashMap<>();

	/** Waits that a release ended, for tests that count how many waiters one release wakes. */
	private final AtomicLong wakeUps = new AtomicLong();

	private RedisMessageListenerContainer subscription;

	private boolean closed;

	/**
	 * Creates a backend; it opens no connection until the first operation.
	 * @param connectionFactory connections to the Redis server
	 * @param keyPrefix prefix of every key and of the release channel
	 */
	public RedisLockBackend(RedisConnectionFactory connectionFactory, String keyPrefix) {
		Assert.notNull(connectionFactory, "RedisConnectionFactory must not be null");
		Assert.hasText(keyPrefix, "Key prefix must not be empty");
		this.connectionFactory = connectionFactory;
		this.redis = new StringRedisTemplate(connectionFactory);
		this.keyPrefix = keyPrefix;
		this.releaseChannel = keyPrefix + "released";
		this.tokenKey = keyPrefix + "token";
	}

	@Override
	public String name() {
		return "redis";
	}

	@Override
	public Optional<LockGrant> acquire(String name, String owner, Duration leaseTime, Duration waitTime)
			throws InterruptedException {
		Assert.isTrue(leaseTime != null && leaseTime.toMillis() > 0, "Lease time must be at least 1 ms");
		Assert.isTrue(waitTime != null && !waitTime.isNegative(), "Wait time must not be negative");
		long deadline = System.nanoTime() + waitTime.toNanos();
		List<String> keys = tokenKeys(name);
		String lease = Long.toString(leaseTime.toMillis());
		ReleaseSignal signal = null;
		try {
			while (true) {
				long seen = (signal != null) ? signal.count() : 0;
				long attemptStart = System.nanoTime();
				List<?> reply = execute(ACQUIRE, name, keys, owner, lease);
				long value = ((Number) reply.get(1)).longValue();
				if (((Number) reply.get(0)).longValue() == 1) {
					return Optional.of(new LockGrant(value, attemptStart));
				}
				long remaining = deadline - System.nanoTime();
				if (remaining <= 0) {
					return Optional.empty();
				}
				if (signal == null) {
					// A release published before the subscription is not heard: subscribe, then try again at once.
					signal = listenForReleases(name);
					continue;
				}
				// PTTL is -1 only for a key someone wrote without expiry: then only a release ends the wait.
				long leaseLeft = (value >= 0) ? TimeUnit.MILLISECONDS.toNanos(Math.max(1, value)) : remaining;
				if (signal.await(seen, Math.min(remaining, leaseLeft))) {
					this.wakeUps.incrementAndGet();
				}
			}
		}
		finally {
			if (signal != null) {
				this.waiting.computeIfPresent(name, (key, existing) -> existing.leave() ? null : existing);
			}
		}
	}

	@Override
	public Optional<LockGrant> handOver(String name, String owner, String nextOwner, Duration leaseTime) {
		Assert.isTrue(leaseTime != null && leaseTime.toMillis() > 0, "Lease time must be at least 1 ms");
		Assert.isTrue(!owner.equals(nextOwner), "The next owner must not be the holder");
		long attemptStart = System.nanoTime();
		long token = execute(HAND_OVER, name, tokenKeys(name), owner, nextOwner, Long.toString(leaseTime.toMillis()));
		return (token > 0) ? Optional.of(new LockGrant(token, attemptStart)) : Optional.empty();
	}

	@Override
	public boolean renew(String name, String owner, Duration leaseTime) {
		Assert.isTrue(leaseTime != null && leaseTime.toMillis() > 0, "Lease time must be at least 1 ms");
		return execute(RENEW, name, List.of(lockKey(name)), owner, Long.toString(leaseTime.toMillis())) == 1;
	}

	@Override
	public boolean release(String name, String owner) {
		return execute(RELEASE, name, List.of(lockKey(name)), owner, this.releaseChannel, name) == 1;
	}

	/**
	 * Sends {@code PING}, which writes nothing.
	 */
	@Override
	public void check() {
		try {
			this.redis.execute((RedisCallback<String>) RedisConnectionCommands::ping);
		}
		catch (DataAccessException ex) {
			throw new LockBackendUnavailableException("Redis did not answer PING: " + ex.getMessage(), ex);
		}
	}

	/**
	 * Stops listening for releases. Holds are not released: their leases free them.
	 */
	@Override
	public void close() throws Exception {
		RedisMessageListenerContainer container;
		synchronized (this) {
			this.closed = true;
			container = this.subscription;
			this.subscription = null;
		}
		if (container != null) {
			container.destroy();
		}
	}

	long wakeUps() {
		return this.wakeUps.get();
	}

	/** Keys of a script that draws a token: the lock, the counter, the per-name counter of earlier versions. */
	private List<String> tokenKeys(String name) {
		return List.of(lockKey(name), this.tokenKey, lockKey(name) + ":token");
	}

	/** The braces keep every lock key apart from the token counter's, whatever the name. */
	private String lockKey(String name) {
		return this.keyPrefix + "{" + name + "}";
	}

	private <T> T execute(RedisScript<T> script, String name, List<String> keys, String... args) {
		try {
			return this.redis.execute(script, keys, (Object[]) args);
		}
		catch (RedisConnectionFailureException | QueryTimeoutException | RedisSystemException ex) {
			throw new LockBackendUnavailableException("Redis did not answer for lock '" + name + "': " + ex.getMessage(),
					ex);
		}
	}

	private ReleaseSignal listenForReleases(String name) {
		subscribe();
		return this.waiting.compute(name, (key, existing) -> ((existing != null) ? existing : new ReleaseSignal()).join());
	}

	/** One subscription per backend, opened on the first wait; its start waits until Redis confirmed it. */
	private synchronized void subscribe() {
		Assert.state(!this.closed, "RedisLockBackend is closed");
		if (this.subscription != null) {
			return;
		}
		RedisMessageListenerContainer container = new RedisMessageListenerContainer();
		container.setConnectionFactory(this.connectionFactory);
		// Waking a waiter only signals a condition: no need for a thread per message.
		container.setTaskExecutor(new SyncTaskExecutor());
		container.addMessageListener(this::released, new ChannelTopic(this.releaseChannel));
		container.afterPropertiesSet();
		try {
			container.start();
		}
		catch (RedisConnectionFailureException | QueryTimeoutException | RedisSystemException ex) {
			destroyQuietly(container);
			throw new LockBackendUnavailableException("Could not subscribe to Redis channel '" + this.releaseChannel
					+ "': " + ex.getMessage(), ex);
		}
		this.subscription = container;
	}

	private void released(Message message, byte[] pattern) {
		ReleaseSignal signal = this.waiting.get(new String(message.getBody(), StandardCharsets.UTF_8));
		if (signal != null) {
			signal.signal();
		}
	}

	private static void destroyQuietly(RedisMessageListenerContainer container) {
		try {
			container.destroy();
		}
		catch (Exception ex) {
			// The subscription never started: nothing is left to clean up but what destroy() already tried.
		}
	}

	/**
	 * Where the waiters of one lock name in this process park. A release wakes one of them, the one that waited
	 * longest: of the threads of this process only one can win the lock, so waking the others would only make them
	 * run a script that fails. The release count lets a waiter tell a release that came between its failed attempt
	 * and its parking from no release at all; a waiter woken by a release always makes an attempt, and one
	 * interrupted after a release it did not act on passes the wake-up to the next waiter, so none is lost.
	 */
	private static final class ReleaseSignal {

		private final ReentrantLock mutex = new ReentrantLock();

		private final Condition released = this.mutex.newCondition();

		private long releases;

		/** Changed only inside {@link ConcurrentMap#compute} of the waiting map, which serializes it. */
		private int waiters;

		ReleaseSignal join() {
			this.waiters++;
			return this;
		}

		boolean leave() {
			return --this.waiters == 0;
		}

		long count() {
			this.mutex.lock();
			try {
				return this.releases;
			}
			finally {
				this.mutex.unlock();
			}
		}

		void signal() {
			this.mutex.lock();
			try {
				this.releases++;
				this.released.signal();
			}
			finally {
				this.mutex.unlock();
			}
		}

		/** Parks until a release after {@code seen}, or for {@code nanos}; tells whether a release ended it. */
		boolean await(long seen, long nanos) throws InterruptedException {
			this.mutex.lockInterruptibly();
			try {
				long left = nanos;
				while (this.releases == seen && left > 0) {
					left = this.released.awaitNanos(left);
				}
				return this.releases != seen;
			}
			catch (InterruptedException ex) {
				if (this.releases != seen) {
					this.released.signal();
				}
				throw ex;
			}
			finally {
				this.mutex.unlock();
			}
		}

	}

}
