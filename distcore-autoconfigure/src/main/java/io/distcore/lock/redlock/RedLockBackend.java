package io.distcore.lock.redlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import io.distcore.lock.LockBackend;
import io.distcore.lock.LockGrant;
import io.distcore.lock.RedLockQuorumException;
import io.distcore.lock.redis.LockTokenScripts;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
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
 * acquirer notes the time, asks every node at once to set the lock key to its owner value with the lease as
 * expiry, and holds the lock if at least {@code N/2+1} nodes agreed and the validity
 * {@code lease − elapsed − drift} (drift = lease·1% + 2 ms, elapsed counted from the start of the round) is still
 * positive. Otherwise it releases on every node, including those that did not answer, and retries after a random
 * delay of up to {@code retryDelay} while wait time remains. Waiting is done by these retries, not by
 * notifications: a released lock is taken over within {@code retryDelay} plus one round trip, and a waiter never
 * sleeps past its wait time.
 * <p>
 * <strong>Rounds and silent nodes.</strong> A round sends its command to every node at once, from the calling
 * thread and without blocking on any node, then waits at most the node timeout for the replies; it ends as soon as
 * a majority answered alike (the outcome cannot change any more) or every node answered. A node without a live
 * connection is not waited for: it counts as not answering in that round while a connection attempt runs in the
 * background, so a node that drops packets, accepts connections and never answers, or never completes a
 * connection costs a round nothing beyond what the answering nodes take. A connection on which every command has
 * gone unanswered for longer than a connection attempt may take (the node timeout, at least 1 s) is closed and
 * replaced in the background: its replies, if they ever come, belong to commands long given up. Commands such a
 * connection had sent may still be applied by the node later; the orphaned holds they leave cost other owners
 * that node's vote until their leases end, never mutual exclusion, and the same owner takes them over at once
 * (see below).
 * <p>
 * <strong>Validity, renewal and release.</strong> A grant reports the start of the round that won as
 * {@link LockGrant#leaseStartedAt()}: the hold is valid until then plus {@code lease − drift}. A renewal counts only
 * replies that arrived within {@code lease − drift} of the start of its round; replies later than that count as
 * not answered. Renewal and release answer alike: {@code true} if a majority still had the hold (and renewed or
 * deleted it); {@code false} if so many nodes answered that they did not have it that the rest, even all holding
 * it, would be no majority (the hold was lost); a {@link RedLockQuorumException} if too few answered to tell. So a
 * hold that expired, was deleted or was taken over on a majority is reported lost at release, while one still
 * intact on a majority is released cleanly whatever the minority says.
 * <p>
 * <strong>Lost replies.</strong> A node that applied an acquisition whose reply was lost keeps the key with this
 * owner's value. The acquire script treats a key already held by the same owner as granted: it refreshes the lease
 * and draws a new token like any grant, so the owner's next attempt succeeds at once instead of waiting out its own
 * orphaned hold, and tokens keep increasing.
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
 * for tokens to keep increasing. Each node keeps one counter for every name, {@code <keyPrefix>token}, so a
 * released or expired lock leaves no key behind; tokens continue above the per-name counters
 * {@code <keyPrefix>{<name>}:token} left by earlier versions.
 * <p>
 * A round in which fewer than a majority of the nodes answer fails at once with a
 * {@link RedLockQuorumException} rather than being retried: no retry can win without a majority.
 */
public final class RedLockBackend implements LockBackend, AutoCloseable {

	/**
	 * Takes the lock on one node if it is free or already this owner's (left over from an acquisition whose reply
	 * was lost, or from an earlier round whose release did not reach the node), refreshing the lease, and draws
	 * that node's next token in the same atomic step: from the node's one counter, kept above the per-name counter
	 * ({@code KEYS[3]}) that versions before it incremented, so that tokens keep increasing across the upgrade.
	 */
	private static final String ACQUIRE = """
			local current = redis.call('get', KEYS[1])
			if current == ARGV[1] then
				redis.call('pexpire', KEYS[1], ARGV[2])
			elseif not redis.call('set', KEYS[1], ARGV[1], 'px', ARGV[2], 'nx') then
				return {0, redis.call('pttl', KEYS[1])}
			end
			""" + LockTokenScripts.NEXT_TOKEN + """
			return {1, token}
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

	/** The renew, release and raise-token scripts answer 1 where they took effect. */
	private static final Predicate<Long> APPLIED = (reply) -> reply == 1;

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

	private final long connectTimeoutNanos;

	private final String keyPrefix;

	/** The one token counter of every name on each node, so that released names leave no key behind. */
	private final String tokenKey;

	/**
	 * Creates a backend and connects to every node, waiting until each connection is established or has
	 * failed, at most {@value #INITIAL_CONNECT_WAIT_SECONDS} s. Nodes that are down or silent are connected in the
	 * background later, when a round finds them without a connection.
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
		this.tokenKey = keyPrefix + "token";
		// A node back from an outage should rejoin the majority within a second, not after Lettuce's 30 s cap.
		this.resources = ClientResources.builder()
			.reconnectDelay(Delay.exponential(Duration.ofMillis(10), Duration.ofSeconds(1), 2, TimeUnit.MILLISECONDS))
			.build();
		this.client = RedisClient.create(this.resources);
		Duration connectTimeout = (nodeTimeout.compareTo(Duration.ofSeconds(1)) > 0) ? nodeTimeout : Duration.ofSeconds(1);
		this.connectTimeoutNanos = connectTimeout.toNanos();
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
		this.nodes.forEach(Node::live);
		this.nodes.forEach((node) -> node.awaitConnection(deadline));
		// The first script of a JVM loads and compiles Lettuce's reply parsing: pay for that here, not within
		// the first round's node timeout.
		onEveryNode(deadline, (reply) -> true, "return {1, 1}", new String[0]);
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
	 * value among the grants the round counted. Before reporting success the token is written back
	 * ({@code max(counter, token)}) on the nodes that granted the lock, and the write-back must succeed on a
	 * majority within the validity. Any two majorities overlap in at least one node, so the next hold's majority
	 * contains a node whose counter is at least this token, and its increment, hence the next hold's maximum, is
	 * greater.
	 * <p>
	 * The grant's {@link LockGrant#leaseStartedAt() leaseStartedAt} is the start of the winning round, before any
	 * node set its expiry, so {@code leaseStartedAt + lease − drift} never lies past the end of the lease on a
	 * majority (clock drift aside, which the drift term covers).
	 * @throws RedLockQuorumException if fewer than a majority of the nodes answered an attempt
	 */
	@Override
	public Optional<LockGrant> acquire(String name, String owner, Duration leaseTime, Duration waitTime)
			throws InterruptedException {
		Assert.isTrue(leaseTime != null && leaseTime.toMillis() > 0, "Lease time must be at least 1 ms");
		Assert.isTrue(waitTime != null && !waitTime.isNegative(), "Wait time must not be negative");
		long deadline = System.nanoTime() + waitTime.toNanos();
		String[] keys = { lockKey(name), this.tokenKey, legacyTokenKey(name) };
		String lease = Long.toString(leaseTime.toMillis());
		long validity = validity(leaseTime);
		while (true) {
			long start = System.nanoTime();
			List<List<Object>> replies = onEveryNode(start + this.nodeTimeoutNanos, RedLockBackend::granted, ACQUIRE,
					keys, owner, lease);
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
				if (granted(reply)) {
					granted[i] = true;
					grants++;
					token = Math.max(token, ((Number) reply.get(1)).longValue());
				}
			}
			if (grants >= this.quorum && System.nanoTime() - start < validity
					&& raiseToken(name, granted, token, start + validity) >= this.quorum
					&& System.nanoTime() - start < validity) {
				return Optional.of(new LockGrant(token, start));
			}
			// Not awaited: each node gets this release after the acquisition it undoes, on the same connection.
			onEveryNodeUnawaited(RELEASE, new String[] { lockKey(name) }, owner);
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
	 * Renewed if a majority of the nodes still had this owner's hold and extended it within
	 * {@code lease − drift} of the start of the renewal; a node whose reply came later counts as not answering, so
	 * the renewed lease is valid from the start of the renewal for {@code lease − drift}.
	 * @return {@code false} if so many nodes answered that they no longer had the hold that the others, even all
	 * holding it, would be no majority
	 * @throws RedLockQuorumException if too few nodes answered in time to tell whether a majority renewed
	 */
	@Override
	public boolean renew(String name, String owner, Duration leaseTime) {
		Assert.isTrue(leaseTime != null && leaseTime.toMillis() > 0, "Lease time must be at least 1 ms");
		long start = System.nanoTime();
		long validity = validity(leaseTime);
		List<Long> replies = onEveryNode(start + Math.min(this.nodeTimeoutNanos, validity), APPLIED, RENEW,
				new String[] { lockKey(name) }, owner, Long.toString(leaseTime.toMillis()));
		return majority(name, replies, System.nanoTime() - start < validity);
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Deletes this owner's hold on every node. The hold was intact if a majority still had it, whatever the
	 * minority says: a hold lost on a majority (expired, deleted, taken over) is reported lost, not released.
	 * @return {@code true} if a majority still had the hold; {@code false} if so many nodes answered that they did
	 * not have it that the others, even all holding it, would be no majority
	 * @throws RedLockQuorumException if too few nodes answered to tell
	 */
	@Override
	public boolean release(String name, String owner) {
		List<Long> replies = onEveryNode(System.nanoTime() + this.nodeTimeoutNanos, APPLIED, RELEASE,
				new String[] { lockKey(name) }, owner);
		return majority(name, replies, true);
	}

	/**
	 * The nodes that have no live connection now, in configured order, never waiting: each of them gets a
	 * connection attempt in the background, as in a round. Right after construction these are the nodes that did
	 * not answer at startup.
	 * @return the nodes without a connection
	 */
	public List<RedisURI> unreachableNodes() {
		return this.nodes.stream().filter((node) -> node.live() == null).map((node) -> node.uri).toList();
	}

	/**
	 * Sends {@code PING} to every node at once (as a script, which writes nothing) and fails unless a majority
	 * answers within the node timeout.
	 * @throws RedLockQuorumException if fewer than a majority of the nodes answered
	 */
	@Override
	public void check() {
		List<String> replies = onEveryNode(System.nanoTime() + this.nodeTimeoutNanos, "PONG"::equals,
				"return redis.call('ping')", new String[0]);
		int answered = (int) replies.stream().filter("PONG"::equals).count();
		if (answered < this.quorum) {
			throw new RedLockQuorumException("(health check)", answered, replies.size());
		}
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

	/** The token counter of this lock before one counter served every name. */
	private String legacyTokenKey(String name) {
		return lockKey(name) + ":token";
	}

	/** How long a hold stays valid after the start of the round that took or renewed it: lease − drift. */
	private static long validity(Duration leaseTime) {
		long lease = leaseTime.toNanos();
		return lease - (lease / 100 + DRIFT_FLOOR_NANOS);
	}

	/**
	 * Wraps a script so its reply is {@code {sequence, reply}}, the sequence being the last argument (the script
	 * itself reads only the arguments before it).
	 */
	private static String echoing(String script) {
		return "local reply = (function()\n" + script + "\nend)()\nreturn {ARGV[#ARGV], reply}";
	}

	private static boolean ownReply(List<Object> reply, String sequence) {
		return reply != null && reply.size() == 2 && sequence.equals(reply.get(0));
	}

	private static boolean granted(List<Object> reply) {
		return ((Number) reply.get(0)).longValue() == 1;
	}

	/**
	 * Judges the replies of a renewal or release: {@code true} if a majority answered yes (in time), {@code false}
	 * if the yeses and the silent nodes together are no majority.
	 */
	private boolean majority(String name, List<Long> replies, boolean inTime) {
		int yes = count(replies, 1L);
		int silent = count(replies, null);
		if (yes >= this.quorum && inTime) {
			return true;
		}
		if (yes + silent < this.quorum) {
			return false;
		}
		throw new RedLockQuorumException(name, replies.size() - silent, replies.size());
	}

	/** Writes the token back on the granting nodes; returns on how many it succeeded by the deadline. */
	private int raiseToken(String name, boolean[] granted, long token, long validUntil) {
		long deadline = Math.min(System.nanoTime() + this.nodeTimeoutNanos, validUntil);
		List<CompletableFuture<Long>> calls = new ArrayList<>();
		String[] keys = { this.tokenKey };
		for (int i = 0; i < this.nodes.size(); i++) {
			calls.add(granted[i]
					? this.nodes.get(i).eval(RAISE_TOKEN, keys, Long.toString(token))
					: CompletableFuture.failedFuture(new IllegalStateException("Not granted")));
		}
		return count(await(calls, APPLIED, deadline), 1L);
	}

	/**
	 * Runs a script on every node at once.
	 * @param yes which replies say yes
	 * @return one reply per node, in node order; {@code null} for a node that did not answer by the time the round
	 * ended
	 */
	private <T> List<T> onEveryNode(long deadline, Predicate<T> yes, String script, String[] keys,
			String... args) {
		return await(onEveryNodeUnawaited(script, keys, args), yes, deadline);
	}

	private <T> List<CompletableFuture<T>> onEveryNodeUnawaited(String script, String[] keys, String... args) {
		List<CompletableFuture<T>> calls = new ArrayList<>(this.nodes.size());
		for (Node node : this.nodes) {
			calls.add(node.eval(script, keys, args));
		}
		return calls;
	}

	/**
	 * Waits for the replies until the outcome is settled (a majority said yes, a majority said no, or every node
	 * answered) or the deadline passed. Replies are signalled without a lock: they complete on Lettuce's event
	 * loops, which must never wait for a caller thread that a busy machine has descheduled. The wait is not
	 * interruptible, being that short; an interrupt is kept for the caller to see.
	 */
	private <T> List<T> await(List<CompletableFuture<T>> calls, Predicate<T> yes, long deadline) {
		Semaphore arrivals = new Semaphore(0);
		calls.forEach((call) -> call.whenComplete((reply, ex) -> arrivals.release()));
		boolean interrupted = false;
		long remaining = deadline - System.nanoTime();
		while (!settled(calls, yes) && remaining > 0) {
			try {
				arrivals.tryAcquire(remaining, TimeUnit.NANOSECONDS);
			}
			catch (InterruptedException ex) {
				interrupted = true;
			}
			remaining = deadline - System.nanoTime();
		}
		if (interrupted) {
			Thread.currentThread().interrupt();
		}
		List<T> replies = new ArrayList<>(calls.size());
		calls.forEach((call) -> replies.add(reply(call)));
		return replies;
	}

	private <T> boolean settled(List<CompletableFuture<T>> calls, Predicate<T> yes) {
		int pending = 0;
		int yeses = 0;
		int noes = 0;
		for (CompletableFuture<T> call : calls) {
			T reply = reply(call);
			if (!call.isDone()) {
				pending++;
			}
			else if (reply != null && yes.test(reply)) {
				yeses++;
			}
			else if (reply != null) {
				noes++;
			}
		}
		return pending == 0 || yeses >= this.quorum || noes >= this.quorum;
	}

	/** The reply of a call that succeeded, else {@code null}. */
	private static <T> T reply(CompletableFuture<T> call) {
		return (call.isDone() && !call.isCompletedExceptionally()) ? call.join() : null;
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

		/**
		 * The connection or the attempt to establish it; {@code null} before the first and once given up.
		 * Swapped without a lock, since Lettuce's event loops give connections up.
		 */
		private final AtomicReference<CompletableFuture<Connection>> connection = new AtomicReference<>();

		Node(RedisURI uri) {
			this.uri = uri;
		}

		/**
		 * The connection if it is established and open, else {@code null}, never waiting. Without a connection or
		 * after a failed attempt it starts a new attempt on one of Lettuce's threads (even resolving the host
		 * name may hang), so a node that is down costs no round any time. Lettuce itself reconnects an
		 * established connection that broke.
		 */
		Connection live() {
			CompletableFuture<Connection> current = this.connection.get();
			if (current != null && !current.isCompletedExceptionally()) {
				Connection established = reply(current);
				return (established != null && established.redis.isOpen()) ? established : null;
			}
			CompletableFuture<Connection> attempt = new CompletableFuture<>();
			if (this.connection.compareAndSet(current, attempt)) {
				try {
					RedLockBackend.this.resources.eventExecutorGroup().execute(() -> connect(attempt));
				}
				catch (RuntimeException ex) {
					attempt.completeExceptionally(ex);
				}
			}
			return null;
		}

		private void connect(CompletableFuture<Connection> attempt) {
			try {
				RedLockBackend.this.client.connectAsync(StringCodec.UTF8, this.uri).whenComplete((connected, ex) -> {
					if (ex != null) {
						attempt.completeExceptionally(ex);
					}
					else {
						attempt.complete(new Connection(connected));
					}
				});
			}
			catch (RuntimeException ex) {
				attempt.completeExceptionally(ex);
			}
		}

		void awaitConnection(long deadline) {
			try {
				this.connection.get().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
			}
			catch (ExecutionException | TimeoutException ex) {
				// Connected later, in the background.
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

		/**
		 * Sends a script from the calling thread, never from a callback: commands go out in call order on the
		 * one connection, so a release always reaches a node after the acquisition it undoes.
		 * <p>
		 * Every reply must echo the sequence number of its own command. Lettuce matches replies to commands by
		 * position only; once a request was lost (dropped by the network, the connection kept), each reply
		 * completes the command sent before the one it answers, and with several callers that next command
		 * follows within milliseconds, so the shifted replies even come in time. Without the echo an acquisition
		 * of a held lock would count the grant another name got on that node.
		 */
		@SuppressWarnings("unchecked")
		<T> CompletableFuture<T> eval(String script, String[] keys, String... args) {
			Connection current = live();
			if (current == null) {
				return CompletableFuture.failedFuture(new RedisConnectionException("Not connected to " + this.uri));
			}
			String sequence = Long.toString(current.sequence.incrementAndGet());
			String[] echoed = Arrays.copyOf(args, args.length + 1);
			echoed[args.length] = sequence;
			long sent = System.nanoTime();
			CompletableFuture<T> call = new CompletableFuture<>();
			current.redis.async()
				.<List<Object>>eval(echoing(script), ScriptOutputType.MULTI, keys, echoed)
				.whenComplete((reply, ex) -> {
					Throwable failure = (ex != null || ownReply(reply, sequence)) ? ex
							: new ReplyOutOfOrderException(this.uri);
					heard(current, failure, System.nanoTime() - sent);
					if (failure != null) {
						call.completeExceptionally(failure);
					}
					else {
						call.complete((T) reply.get(1));
					}
				});
			return call;
		}

		/**
		 * Gives up a connection on which no command was answered within the node timeout for longer than a
		 * connection attempt may take, and at once one whose reply answered another command. Lettuce keeps
		 * timed-out commands queued to match the replies that may still come; a node that never answers them
		 * (hung, or its requests dropped) would otherwise hold this connection, and a growing queue, forever. Only
		 * a reply in time proves the node answers.
		 */
		private void heard(Connection on, Throwable failure, long elapsed) {
			if (failure instanceof ReplyOutOfOrderException) {
				// Out of step for good: every later reply on it belongs to another command.
				giveUp(on);
				return;
			}
			boolean answered = failure == null || failure instanceof RedisCommandExecutionException;
			if (answered && elapsed <= RedLockBackend.this.nodeTimeoutNanos) {
				on.silentSince.set(Connection.ANSWERING);
			}
			else if (answered || failure instanceof RedisCommandTimeoutException) {
				long now = System.nanoTime();
				long since = on.silentSince.get();
				if (since == Connection.ANSWERING) {
					on.silentSince.compareAndSet(Connection.ANSWERING, now);
				}
				else if (now - since >= RedLockBackend.this.connectTimeoutNanos) {
					giveUp(on);
				}
			}
		}

		/** Closes a connection and lets the next round start a new one, unless it was replaced already. */
		private void giveUp(Connection on) {
			CompletableFuture<Connection> current = this.connection.get();
			if (current != null && reply(current) == on && this.connection.compareAndSet(current, null)) {
				on.redis.closeAsync();
			}
		}

	}

	/** A reply that answers another command than the one it completed. */
	private static final class ReplyOutOfOrderException extends RedisException {

		ReplyOutOfOrderException(RedisURI uri) {
			super("Reply out of order on the connection to " + uri + "; reconnecting");
		}

	}

	/** An established connection and since when it has left every command unanswered. */
	private static final class Connection {

		static final long ANSWERING = Long.MIN_VALUE;

		final StatefulRedisConnection<String, String> redis;

		final AtomicLong silentSince = new AtomicLong(ANSWERING);

		/** Numbers the commands sent on this connection, echoed by their replies. */
		final AtomicLong sequence = new AtomicLong();

		Connection(StatefulRedisConnection<String, String> redis) {
			this.redis = redis;
		}

	}

}
