package io.distcore.lock.redlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.distcore.lock.LockBackend;
import io.distcore.lock.LockGrant;
import io.distcore.lock.RedLockQuorumException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.Delay;

import org.springframework.util.Assert;

/**
 * Locks held on a majority of independent Redis servers, following the published RedLock algorithm: the
 * acquirer notes the time, asks every node in parallel to set the lock key to its owner value with the lease
 * as expiry, and holds the lock if at least {@code N/2+1} nodes agreed and the validity
 * {@code lease − elapsed − drift} (drift = lease·1% + 2 ms) is still positive. Otherwise it releases on every
 * node, including those that did not answer, and retries after a random delay of up to {@code retryDelay}
 * while wait time remains. Waiting is done by these retries, not by notifications: a released lock is taken
 * over within {@code retryDelay} plus one round trip, and a waiter never sleeps past its wait time.
 * <p>
 * Martin Kleppmann's critique ("How to do distributed locking", 2016): the algorithm's safety rests on timing
 * assumptions that real systems break. A GC pause, a clock jump or a delayed network packet can let a client
 * believe it holds a lock whose lease has already expired on the nodes, while another client holds it too;
 * and RedLock hands out no monotonic token with which the protected resource could reject the stale client.
 * Salvatore Sanfilippo (antirez) replied that the random owner value already allows check-and-set on the
 * resource, that clocks should be monotonic rather than wall clocks, and that the elapsed-time check after
 * acquisition catches delays up to that point. Neither side disputes that no lock can stop a paused holder
 * from acting after its lease ran out; only the resource can, by refusing writes with a token smaller than
 * one it has already seen. This backend therefore hands out a fencing token that strictly increases across
 * holds (see below), measures time with {@link System#nanoTime()}, and documents that the token, not the
 * lease, is what keeps the resource safe.
 * <p>
 * A node that crashes and restarts without its data (no {@code appendfsync always}) may grant a lock that is
 * still held on a majority elsewhere: keep a crashed node down for at least the longest lease before it
 * rejoins, or run the nodes with fsync. The same applies to the token counters, which must survive restarts
 * for tokens to keep increasing.
 * <p>
 * A round in which fewer than a majority of the nodes answer fails at once with a
 * {@link RedLockQuorumException} rather than being retried: no retry can win without a majority.
 */
public final class RedLockBackend implements LockBackend, AutoCloseable {

	/**
	 * Takes the lock on one node if it is free or already this owner's (left over from an earlier round whose
	 * release did not reach the node) and draws that node's next token in the same atomic step.
	 */
	private static final String ACQUIRE = """
			local current = redis.call('get', KEYS[1])
			if current == ARGV[1] then
				redis.call('pexpire', KEYS[1], ARGV[2])
			elseif not redis.call('set', KEYS[1], ARGV[1], 'px', ARGV[2], 'nx') then
				return {0, redis.call('pttl', KEYS[1])}
			end
			return {1, redis.call('incr', KEYS[2])}
			""";

	/** Raises a node's token counter to the hold's token, never lowers it. */
	private static final String RAISE_TOKEN = """
			local current = tonumber(redis.call('get', KEYS[1]) or '0')
			if tonumber(ARGV[1]) > current then
				redis.call('set', KEYS[1], ARGV[1])
			end
			return 1
			""";

	/** Extends the lease on one node only while the caller still holds the lock there. */
	private static final String RENEW = """
			if redis.call('get', KEYS[1]) == ARGV[1] then
				return redis.call('pexpire', KEYS[1], ARGV[2])
			end
			return 0
			""";

	/** Frees the lock on one node only if the caller holds it there. */
	private static final String RELEASE = """
			if redis.call('get', KEYS[1]) == ARGV[1] then
				return redis.call('del', KEYS[1])
			end
			return 0
			""";

	private static final long DRIFT_FLOOR_NANOS = TimeUnit.MILLISECONDS.toNanos(2);

	/**
	 * Far above one connect attempt (connect timeout plus handshake) because the first connection of a JVM
	 * also pays for starting Lettuce and Netty, which takes seconds on a busy machine; a node that refuses
	 * connections ends the wait for itself at once.
	 */
	private static final long INITIAL_CONNECT_WAIT_SECONDS = 10;

	private final ClientResources resources;

	private final RedisClient client;

	private final List<Node> nodes;

	private final int quorum;

	private final long nodeTimeoutNanos;

	private final long retryDelayNanos;

	private final String keyPrefix;

	/**
	 * Creates a backend and connects to every node, waiting until each connection is established or has
	 * failed, at most {@value #INITIAL_CONNECT_WAIT_SECONDS} s. Nodes that are down are connected later, when
	 * an operation finds them missing.
	 * @param nodes independent Redis servers, at least 3
	 * @param nodeTimeout longest time one node may take to answer one command
	 * @param retryDelay upper bound of the random delay between two attempts
	 * @param keyPrefix prefix of every key written on the nodes
	 */
	public RedLockBackend(List<RedisURI> nodes, Duration nodeTimeout, Duration retryDelay, String keyPrefix) {
		Assert.isTrue(nodes != null && nodes.size() >= 3,
				() -> "RedLock needs at least 3 independent nodes, got " + ((nodes != null) ? nodes.size() : 0));
		Assert.noNullElements(nodes, "RedLock node URIs must not be null");
		Assert.isTrue(nodeTimeout != null && nodeTimeout.toNanos() > 0, "Node timeout must be positive");
		Assert.isTrue(retryDelay != null && !retryDelay.isNegative(), "Retry delay must not be negative");
		Assert.hasText(keyPrefix, "Key prefix must not be empty");
		this.quorum = nodes.size() / 2 + 1;
		this.nodeTimeoutNanos = nodeTimeout.toNanos();
		this.retryDelayNanos = retryDelay.toNanos();
		this.keyPrefix = keyPrefix;
		// A node back from an outage should rejoin the majority within a second, not after Lettuce's 30 s cap.
		this.resources = ClientResources.builder()
			.reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
			.build();
		this.client = RedisClient.create(this.resources);
		Duration connectTimeout = (nodeTimeout.compareTo(Duration.ofSeconds(1)) > 0) ? nodeTimeout : Duration.ofSeconds(1);
		// Rejecting commands while disconnected keeps them from being replayed long after their round ended.
		// Commands time out after the node timeout; the connection handshake, which runs with the URI's
		// timeout, gets the connect timeout so that a cold start does not fail it.
		this.client.setOptions(ClientOptions.builder()
			.disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
			.socketOptions(SocketOptions.builder().connectTimeout(connectTimeout).build())
			.timeoutOptions(TimeoutOptions.enabled(nodeTimeout))
			.build());
		List<Node> connecting = new ArrayList<>();
		for (RedisURI uri : nodes) {
			RedisURI node = RedisURI.builder(uri).withTimeout(connectTimeout).build();
			connecting.add(new Node(node));
		}
		this.nodes = List.copyOf(connecting);
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(INITIAL_CONNECT_WAIT_SECONDS);
		this.nodes.forEach((node) -> node.connection(System.nanoTime()));
		// The first script of a JVM loads and compiles Lettuce's reply parsing: pay for that here, not within
		// the first round's node timeout.
		List<CompletableFuture<List<Object>>> warmUps = new ArrayList<>();
		for (Node node : this.nodes) {
			warmUps.add(node.eval(deadline, "return {1, 1}", ScriptOutputType.MULTI, new String[0]));
		}
		await(warmUps, deadline);
	}

	@Override
	public String name() {
		return "redlock";
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Why the token strictly increases even when each hold uses a different majority: on every node where the
	 * lock was set, the same script increments that node's token counter, and the hold's token is the highest
	 * value returned. Before reporting success the token is written back ({@code max(counter, token)}) on the
	 * nodes that granted the lock, and the write-back must succeed on a majority. Any two majorities overlap in
	 * at least one node, so the next hold's majority contains a node whose counter is at least this token, and
	 * its increment, hence the next hold's maximum, is greater.
	 * @throws RedLockQuorumException if fewer than a majority of the nodes answered an attempt
	 */
	@Override
	public Optional<LockGrant> acquire(String name, String owner, Duration leaseTime, Duration waitTime)
			throws InterruptedException {
		Assert.isTrue(leaseTime != null && leaseTime.toMillis() > 0, "Lease time must be at least 1 ms");
		Assert.isTrue(waitTime != null && !waitTime.isNegative(), "Wait time must not be negative");
		long deadline = System.nanoTime() + waitTime.toNanos();
		String[] keys = { lockKey(name), tokenKey(name) };
		String lease = Long.toString(leaseTime.toMillis());
		long leaseNanos = leaseTime.toNanos();
		long drift = leaseNanos / 100 + DRIFT_FLOOR_NANOS;
		while (true) {
			long start = System.nanoTime();
			List<List<Object>> replies = onEveryNode(ACQUIRE, ScriptOutputType.MULTI, keys, owner, lease);
			int answered = 0;
			boolean[] granted = new boolean[this.nodes.size()];
			int grants = 0;
			long token = 0;
			for (int i = 0; i < replies.size(); i++) {
				List<Object> reply = replies.get(i);
				if (reply == null) {
					continue;
				}
				answered++;
				if (((Number) reply.get(0)).longValue() == 1) {
					granted[i] = true;
					grants++;
					token = Math.max(token, ((Number) reply.get(1)).longValue());
				}
			}
			if (grants >= this.quorum && leaseNanos - (System.nanoTime() - start) - drift > 0
					&& raiseToken(name, granted, token) >= this.quorum
					&& leaseNanos - (System.nanoTime() - start) - drift > 0) {
				return Optional.of(new LockGrant(token, start));
			}
			releaseOnEveryNode(name, owner);
			if (answered < this.quorum) {
				throw new RedLockQuorumException(name, answered, this.nodes.size());
			}
			if (Thread.interrupted()) {
				throw new InterruptedException("Interrupted while acquiring lock '" + name + "'");
			}
			long remaining = deadline - System.nanoTime();
			if (remaining <= 0) {
				return Optional.empty();
			}
			long delay = ThreadLocalRandom.current().nextLong(this.retryDelayNanos + 1);
			TimeUnit.NANOSECONDS.sleep(Math.min(delay, remaining));
		}
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Renewed if a majority of the nodes still had this owner's hold and extended it.
	 * @throws RedLockQuorumException if too few nodes answered to tell whether a majority renewed
	 */
	@Override
	public boolean renew(String name, String owner, Duration leaseTime) {
		Assert.isTrue(leaseTime != null && leaseTime.toMillis() > 0, "Lease time must be at least 1 ms");
		List<Long> replies = onEveryNode(RENEW, ScriptOutputType.INTEGER, new String[] { lockKey(name) }, owner,
				Long.toString(leaseTime.toMillis()));
		int renewed = count(replies, 1L);
		int silent = count(replies, null);
		if (renewed >= this.quorum) {
			return true;
		}
		if (renewed + silent < this.quorum) {
			return false;
		}
		throw new RedLockQuorumException(name, replies.size() - silent, replies.size());
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Deletes this owner's hold on every node and reports {@code true} if at least one node still had it. A
	 * majority is not required: nodes whose copy expired early change nothing, and a hold that was lost
	 * while it was in use is reported by {@link #renew} (watchdog holds) or by the lease end (explicit
	 * leases), not by the release.
	 * @throws RedLockQuorumException if no node had the hold and fewer than a majority answered
	 */
	@Override
	public boolean release(String name, String owner) {
		List<Long> replies = releaseOnEveryNode(name, owner);
		if (count(replies, 1L) > 0) {
			return true;
		}
		int silent = count(replies, null);
		if (replies.size() - silent < this.quorum) {
			throw new RedLockQuorumException(name, replies.size() - silent, replies.size());
		}
		return false;
	}

	/**
	 * Closes the connections to every node. Holds are not released: their leases free them.
	 */
	@Override
	public void close() {
		this.client.shutdown(Duration.ZERO, Duration.ofSeconds(2));
		this.resources.shutdown(0, 2, TimeUnit.SECONDS);
	}

	/** Braces keep a lock name from colliding with another lock's token key. */
	private String lockKey(String name) {
		return this.keyPrefix + "{" + name + "}";
	}

	private String tokenKey(String name) {
		return lockKey(name) + ":token";
	}

	/** Writes the token back on the granting nodes; returns on how many it succeeded. */
	private int raiseToken(String name, boolean[] granted, long token) {
		long deadline = System.nanoTime() + this.nodeTimeoutNanos;
		List<CompletableFuture<Long>> calls = new ArrayList<>();
		String[] keys = { tokenKey(name) };
		for (int i = 0; i < this.nodes.size(); i++) {
			calls.add(granted[i]
					? this.nodes.get(i).eval(deadline, RAISE_TOKEN, ScriptOutputType.INTEGER, keys, Long.toString(token))
					: CompletableFuture.completedFuture(null));
		}
		return count(await(calls, deadline), 1L);
	}

	private List<Long> releaseOnEveryNode(String name, String owner) {
		return onEveryNode(RELEASE, ScriptOutputType.INTEGER, new String[] { lockKey(name) }, owner);
	}

	/**
	 * Runs a script on every node in parallel.
	 * @return one reply per node, in node order; {@code null} for a node that did not answer within the node
	 * timeout
	 */
	private <T> List<T> onEveryNode(String script, ScriptOutputType type, String[] keys, String... args) {
		long deadline = System.nanoTime() + this.nodeTimeoutNanos;
		List<CompletableFuture<T>> calls = new ArrayList<>(this.nodes.size());
		for (Node node : this.nodes) {
			calls.add(node.eval(deadline, script, type, keys, args));
		}
		return await(calls, deadline);
	}

	/**
	 * Waits for the replies until the round's deadline, one node timeout after it started, since the calls run
	 * in parallel. The wait is not interruptible, being that short; an interrupt is kept for the caller to see.
	 */
	private <T> List<T> await(List<CompletableFuture<T>> calls, long deadline) {
		boolean interrupted = false;
		List<T> replies = new ArrayList<>(calls.size());
		for (CompletableFuture<T> call : calls) {
			T reply = null;
			while (true) {
				try {
					reply = call.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
					break;
				}
				catch (InterruptedException ex) {
					interrupted = true;
				}
				catch (ExecutionException | TimeoutException ex) {
					break;
				}
			}
			replies.add(reply);
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
		return replies;
	}

	private static int count(List<Long> replies, Long value) {
		int count = 0;
		for (Long reply : replies) {
			if ((value == null) ? reply == null : value.equals(reply)) {
				count++;
			}
		}
		return count;
	}

	/** One Redis server and the single connection to it. */
	private final class Node {

		private final RedisURI uri;

		private CompletableFuture<StatefulRedisConnection<String, String>> connection;

		Node(RedisURI uri) {
			this.uri = uri;
		}

		/**
		 * The connection, waiting until {@code deadline} if it is still being established; {@code null} if it
		 * is not there by then. A failed attempt is followed by a new one on the next call, so a node that is
		 * down costs each round at most one refused connection.
		 */
		StatefulRedisConnection<String, String> connection(long deadline) {
			CompletableFuture<StatefulRedisConnection<String, String>> pending;
			synchronized (this) {
				if (this.connection == null || this.connection.isCompletedExceptionally()) {
					this.connection = RedLockBackend.this.client.connectAsync(StringCodec.UTF8, this.uri)
						.toCompletableFuture();
				}
				pending = this.connection;
			}
			try {
				return pending.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			}
			catch (ExecutionException | TimeoutException ex) {
				return null;
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return null;
			}
		}

		/**
		 * Sends a script from the calling thread, never from a callback: commands go out in call order on the
		 * one connection, so a release always reaches a node after the acquisition it undoes.
		 */
		<T> CompletableFuture<T> eval(long deadline, String script, ScriptOutputType type, String[] keys,
				String... args) {
			StatefulRedisConnection<String, String> current = connection(deadline);
			if (current == null || !current.isOpen()) {
				return CompletableFuture.failedFuture(new IllegalStateException("Not connected to " + this.uri));
			}
			return current.async().<T>eval(script, type, keys, args).toCompletableFuture();
		}

	}

}
