package io.distcore.lock.redlock;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

import io.distcore.lock.AbstractLockBackendContractTests;
import io.distcore.lock.LockBackend;
import io.distcore.lock.LockGrant;
import io.distcore.lock.RedLockQuorumException;
import io.distcore.test.RedisEndpoint;
import io.distcore.test.TcpProxy;
import io.distcore.test.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * RedLock over five real Redis servers: the contract, and what happens when nodes go down, behind TCP
 * proxies so that the shared servers themselves keep running.
 */
class RedLockBackendTests extends AbstractLockBackendContractTests {

	/** Generous against a loaded CI machine; the default of 50 ms suits a quiet network. */
	private static final Duration NODE_TIMEOUT = Duration.ofMillis(250);

	private static final Duration RETRY_DELAY = Duration.ofMillis(100);

	private static final Duration LEASE = Duration.ofSeconds(30);

	/** Far above what one acquisition takes when silent nodes cost nothing; reaching it means the round hung. */
	private static final Duration PROMPT = Duration.ofSeconds(3);

	/** Unique per test, so that cleaning up never touches the keys of a test running elsewhere. */
	private final String prefix = "distcore-test:" + UUID.randomUUID() + ":redlock:";

	private final List<TcpProxy> proxies = new ArrayList<>();

	private final List<RedLockBackend> backends = new ArrayList<>();

	private final List<SilentNode> silentNodes = new ArrayList<>();

	@Override
	protected LockBackend newBackend() {
		return backend(TestServices.redlockNodes().stream().map(RedisEndpoint::uri).toList());
	}

	@Override
	protected void close(LockBackend backend) {
		((RedLockBackend) backend).close();
	}

	@AfterEach
	void closeProxiesAndDeleteKeys() {
		this.backends.forEach(RedLockBackend::close);
		this.proxies.forEach(TcpProxy::close);
		this.silentNodes.forEach(SilentNode::close);
		for (int node = 0; node < TestServices.redlockNodes().size(); node++) {
			onServer(node, (redis) -> {
				List<String> keys = redis.keys(this.prefix + "*");
				return keys.isEmpty() ? 0 : redis.del(keys.toArray(String[]::new));
			});
		}
	}

	/**
	 * Two silent nodes first in the list, where a client that contacts the nodes one after another meets them
	 * before the three that answer.
	 */
	@ParameterizedTest
	@EnumSource(Silence.class)
	void withTwoOfFiveNodesSilentAcquisitionsSucceedPromptlyAndTokensIncrease(Silence silence) throws Exception {
		RedLockBackend backend = backendWithSilentNodes(silence, 2);
		String name = uniqueName("two-silent");
		long last = 0;
		for (int i = 0; i < 5; i++) {
			String owner = "owner-" + i;
			long start = System.nanoTime();
			Optional<LockGrant> grant = backend.acquire(name, owner, LEASE, Duration.ofSeconds(10));
			Duration took = Duration.ofNanos(System.nanoTime() - start);
			assertThat(grant).as("acquisition %d", i).isPresent();
			assertThat(took).as("acquisition %d", i).isLessThan(PROMPT);
			assertThat(grant.get().fencingToken()).isGreaterThan(last);
			last = grant.get().fencingToken();
			assertThat(backend.release(name, owner)).isTrue();
		}
	}

	@ParameterizedTest
	@EnumSource(Silence.class)
	void withThreeOfFiveNodesSilentAcquisitionFailsFastWithQuorumException(Silence silence) {
		RedLockBackend backend = backendWithSilentNodes(silence, 3);
		long start = System.nanoTime();
		assertThatExceptionOfType(RedLockQuorumException.class)
			.isThrownBy(() -> backend.acquire(uniqueName("three-silent"), "owner", LEASE, Duration.ofSeconds(30)))
			.satisfies((ex) -> assertThat(ex.getAnswered()).isEqualTo(2));
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
	}

	@Test
	void nodesThatHangMidLifeCountAsNotAnsweringAndRejoinWhenTheyAnswerAgain() throws Exception {
		String name = uniqueName("mid-life");
		RedLockBackend backend = proxiedBackend();
		long last = lockAndUnlock(backend, name);
		swallow(0, 1);
		for (int i = 0; i < 5; i++) {
			long start = System.nanoTime();
			long token = lockAndUnlock(backend, name);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).as("acquisition %d", i).isLessThan(PROMPT);
			assertThat(token).isGreaterThan(last);
			last = token;
		}
		swallow(2);
		long start = System.nanoTime();
		assertThatExceptionOfType(RedLockQuorumException.class)
			.isThrownBy(() -> backend.acquire(name, "owner", LEASE, Duration.ofSeconds(30)));
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
		// The swallowed requests never get replies: only new connections can answer again.
		up(0, 1, 2);
		down(3, 4);
		awaitAllUpNodesConnected(backend);
		assertThat(lockAndUnlock(backend, name)).isGreaterThan(last);
	}

	/**
	 * A connection attempt whose handshake got no reply must end, or the node it was for never answers again:
	 * under load, the rounds of the test above outlast a second and the swallowed nodes reconnect while still
	 * swallowing, which is this case.
	 */
	@Test
	void aNodeWhoseHandshakeWentUnansweredRejoinsOnceItAnswers() throws Exception {
		TestServices.redlockNodes().forEach(this::proxy);
		swallow(0, 1);
		RedLockBackend backend = proxiedBackend();
		up(0, 1);
		down(3, 4);
		awaitAllUpNodesConnected(backend);
		assertThat(lockAndUnlock(backend, uniqueName("late-handshake"))).isPositive();
	}

	@Test
	void theGrantReportsTheStartOfTheWinningRound() throws Exception {
		String name = uniqueName("lease-start");
		RedLockBackend holder = directBackend();
		RedLockBackend waiter = directBackend();
		assertThat(holder.acquire(name, "holder", LEASE, Duration.ZERO)).isPresent();
		long waitStarted = System.nanoTime();
		CompletableFuture<Optional<LockGrant>> waiting = CompletableFuture
			.supplyAsync(() -> acquireQuietly(waiter, name, "waiter", Duration.ofSeconds(20)));
		Thread.sleep(600);
		long releasing = System.nanoTime();
		assertThat(holder.release(name, "holder")).isTrue();
		LockGrant grant = waiting.get(30, TimeUnit.SECONDS).orElseThrow();
		long granted = System.nanoTime();
		// A round that started before the release was sent cannot have found the lock free.
		assertThat(grant.leaseStartedAt() - releasing).isGreaterThan(-NODE_TIMEOUT.toNanos());
		assertThat(grant.leaseStartedAt() - waitStarted).isPositive();
		assertThat(grant.leaseStartedAt()).isLessThanOrEqualTo(granted);
	}

	@Test
	void aGrantWhoseRoundOutlastsTheLeaseIsNotTaken() throws Exception {
		String name = uniqueName("slow-grant");
		RedLockBackend backend = proxiedBackend(Duration.ofSeconds(3));
		delay(Duration.ofMillis(150), 0, 1, 2, 3, 4);
		// Every node grants within the node timeout, but after the 100 ms lease minus its drift.
		assertThat(backend.acquire(name, "owner", Duration.ofMillis(100), Duration.ZERO)).isEmpty();
		delay(Duration.ZERO, 0, 1, 2, 3, 4);
		assertThat(backend.acquire(name, "other", LEASE, Duration.ofSeconds(5))).isPresent();
	}

	@Test
	void aRenewalSlowerThanTheValidityWindowIsNotCounted() throws Exception {
		String name = uniqueName("slow-renewal");
		RedLockBackend backend = proxiedBackend(Duration.ofSeconds(3));
		assertThat(backend.acquire(name, "owner", LEASE, Duration.ZERO)).isPresent();
		delay(Duration.ofMillis(300), 0, 1, 2, 3, 4);
		// Every node renews within about 600 ms: inside the validity of a 5 s lease, not of a 200 ms one.
		assertThat(backend.renew(name, "owner", Duration.ofSeconds(5))).isTrue();
		assertThatExceptionOfType(RedLockQuorumException.class)
			.isThrownBy(() -> backend.renew(name, "owner", Duration.ofMillis(200)))
			.satisfies((ex) -> assertThat(ex.getAnswered()).isZero());
	}

	@Test
	void aHoldLostOnAMajorityIsReportedLostAtRelease() throws Exception {
		String name = uniqueName("lost-on-majority");
		RedLockBackend backend = directBackend();
		assertThat(backend.acquire(name, "owner", LEASE, Duration.ZERO)).isPresent();
		deleteLockKey(name, 0, 1, 2);
		assertThat(backend.release(name, "owner")).isFalse();
	}

	@Test
	void aHoldIntactOnAMajorityIsReleasedCleanly() throws Exception {
		String name = uniqueName("intact-on-majority");
		RedLockBackend backend = directBackend();
		assertThat(backend.acquire(name, "owner", LEASE, Duration.ZERO)).isPresent();
		deleteLockKey(name, 0, 1);
		assertThat(backend.release(name, "owner")).isTrue();
	}

	@Test
	void releaseThatCannotTellWhetherAMajorityStillHadTheHoldThrowsQuorumException() throws Exception {
		String name = uniqueName("release-unknown");
		RedLockBackend backend = proxiedBackend();
		assertThat(backend.acquire(name, "owner", LEASE, Duration.ZERO)).isPresent();
		deleteLockKey(name, 2);
		down(0, 1);
		// Nodes 3 and 4 had it, node 2 not: the silent nodes 0 and 1 decide, and nobody knows what they hold.
		assertThatExceptionOfType(RedLockQuorumException.class).isThrownBy(() -> backend.release(name, "owner"))
			.satisfies((ex) -> assertThat(ex.getAnswered()).isEqualTo(3));
	}

	@Test
	void anOrphanedHoldOfTheSameOwnerIsGrantedAtOnce() throws Exception {
		String name = uniqueName("orphan");
		RedLockBackend backend = directBackend();
		long before = backend.acquire(name, "owner", LEASE, Duration.ZERO).orElseThrow().fencingToken();
		assertThat(backend.release(name, "owner")).isTrue();
		// What an acquisition leaves when the nodes applied it but its replies were lost: the key set to this
		// owner with a lease running out, and the token counter incremented. On a majority, so that only
		// taking the orphans over can grant the lock without waiting.
		int[] orphaned = { 0, 1, 2 };
		for (int node : orphaned) {
			onServer(node, (redis) -> {
				redis.set(lockKey(name), "owner", SetArgs.Builder.px(5_000));
				return redis.incr(this.prefix + "token");
			});
		}
		long start = System.nanoTime();
		LockGrant grant = backend.acquire(name, "owner", LEASE, Duration.ZERO).orElseThrow();
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(PROMPT);
		assertThat(grant.fencingToken()).isGreaterThan(before + 1);
		for (int node : orphaned) {
			Long remaining = onServer(node, (redis) -> redis.pttl(lockKey(name)));
			assertThat(remaining).isGreaterThan(5_000);
		}
		assertThat(backend.acquire(name, "other", LEASE, Duration.ZERO)).isEmpty();
		assertThat(backend.release(name, "owner")).isTrue();
	}

	@Test
	void withTwoOfFiveNodesDownTheLockStillExcludesAndReleases() throws Exception {
		String name = uniqueName("two-down");
		RedLockBackend first = proxiedBackend();
		down(0, 1);
		RedLockBackend second = proxiedBackend();

		Optional<LockGrant> token = first.acquire(name, "first", LEASE, Duration.ZERO);
		assertThat(token).isPresent();
		assertThat(second.acquire(name, "second", LEASE, Duration.ofMillis(300))).isEmpty();
		assertThat(first.release(name, "first")).isTrue();
		Optional<LockGrant> next = second.acquire(name, "second", LEASE, Duration.ofSeconds(5));
		assertThat(next).isPresent();
		assertThat(next.get().fencingToken()).isGreaterThan(token.get().fencingToken());
		assertThat(first.release(name, "first")).isFalse();
		assertThat(second.release(name, "second")).isTrue();
	}

	@Test
	void withThreeOfFiveNodesDownAcquisitionFailsFastWithQuorumException() {
		RedLockBackend backend = proxiedBackend();
		down(0, 1, 2);
		long start = System.nanoTime();
		assertThatExceptionOfType(RedLockQuorumException.class)
			.isThrownBy(() -> backend.acquire(uniqueName("three-down"), "owner", LEASE, Duration.ofSeconds(30)))
			.satisfies((ex) -> assertThat(ex.getAnswered()).isLessThan(ex.getQuorum()));
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
	}

	@Test
	void tokensKeepIncreasingWhenTheMajorityChanges() throws Exception {
		String name = uniqueName("majorities");
		RedLockBackend backend = proxiedBackend();
		down(0, 1);
		long onLast = lockAndUnlock(backend, name);
		up(0, 1);
		down(3, 4);
		awaitAllUpNodesConnected(backend);
		// Only node 2 is shared with the previous majority: its counter carries the order.
		long onFirst = lockAndUnlock(backend, name);
		up(3, 4);
		down(1, 2);
		awaitAllUpNodesConnected(backend);
		// Nodes 3 and 4 count from the first hold only: without the write-back to node 0 this token would
		// equal the previous one.
		long mixed = lockAndUnlock(backend, name);
		assertThat(onFirst).isGreaterThan(onLast);
		assertThat(mixed).isGreaterThan(onFirst);
	}

	@Test
	void everyHoldLeavesItsTokenOnAMajorityOfCounters() throws Exception {
		String name = uniqueName("write-back");
		RedLockBackend backend = proxiedBackend();
		down(3, 4);
		long first = lockAndUnlock(backend, name);
		assertThat(countersAtLeast(name, first)).isGreaterThanOrEqualTo(3);
		up(3, 4);
		down(0, 1);
		awaitAllUpNodesConnected(backend);
		// Nodes 3 and 4 never saw the first hold: only the written-back counter of node 2 lifts them.
		long second = lockAndUnlock(backend, name);
		assertThat(second).isGreaterThan(first);
		assertThat(countersAtLeast(name, second)).isGreaterThanOrEqualTo(3);
	}

	@Test
	void redLockLeavesNoKeyPerNameBehindAfterRelease() throws Exception {
		RedLockBackend backend = directBackend();
		for (int i = 0; i < 50; i++) {
			String name = "order-" + i;
			assertThat(backend.acquire(name, "owner", LEASE, Duration.ZERO)).isPresent();
			assertThat(backend.release(name, "owner")).isTrue();
		}
		for (int node = 0; node < TestServices.redlockNodes().size(); node++) {
			List<String> keys = onServer(node, (redis) -> redis.keys(this.prefix + "*"));
			assertThat(keys)
				.as("keys left on node %d after 50 names were locked and released", node)
				.containsExactly(this.prefix + "token");
		}
	}

	@Test
	void redLockTokensKeepIncreasingAcrossTheUpgradeFromPerNameCounters() throws Exception {
		String name = uniqueName("upgrade");
		// What versions before the one counter per node left: a per-name counter on every node.
		for (int node = 0; node < TestServices.redlockNodes().size(); node++) {
			onServer(node, (redis) -> redis.set(lockKey(name) + ":token", "1000"));
		}
		RedLockBackend backend = directBackend();
		Optional<LockGrant> grant = backend.acquire(name, "owner", LEASE, Duration.ZERO);
		assertThat(grant).isPresent();
		assertThat(grant.get().fencingToken()).isGreaterThan(1000);
		assertThat(backend.release(name, "owner")).isTrue();
		// The write-back lifted the majority's one counter: another name continues above it.
		Optional<LockGrant> next = backend.acquire(uniqueName("after-upgrade"), "owner", LEASE, Duration.ZERO);
		assertThat(next).isPresent();
		assertThat(next.get().fencingToken()).isGreaterThan(grant.get().fencingToken());
	}

	@Test
	void tokensIncreaseWhenEveryHoldIsGrantedByADifferentMajority() throws Exception {
		RedLockBackend backend = directBackend();
		String name = uniqueName("rotating");
		int nodes = TestServices.redlockNodes().size();
		long previous = 0;
		List<String> backwards = new ArrayList<>();
		for (int round = 0; round < 25; round++) {
			// Two nodes refuse (another owner's key there), so each hold is granted by a different 3 of 5.
			int a = round % nodes;
			int b = (round * 2 + 1) % nodes;
			onServer(a, (redis) -> redis.set(lockKey(name), "someone-else"));
			onServer(b, (redis) -> redis.set(lockKey(name), "someone-else"));
			Optional<LockGrant> grant = backend.acquire(name, "owner", LEASE, Duration.ZERO);
			onServer(a, (redis) -> redis.del(lockKey(name)));
			onServer(b, (redis) -> redis.del(lockKey(name)));
			if (grant.isPresent()) {
				if (grant.get().fencingToken() <= previous) {
					backwards.add(previous + " then " + grant.get().fencingToken() + " (round " + round + ")");
				}
				previous = grant.get().fencingToken();
				backend.release(name, "owner");
			}
		}
		assertThat(previous).as("holds were granted").isPositive();
		assertThat(backwards).isEmpty();
	}

	/** Reads the token counters on the servers themselves, behind the proxies. */
	/**
	 * Once a proxy dropped one request per connection, every later reply on those connections completes the command
	 * sent before the one it answers. With several callers on the backend, the next command follows within
	 * milliseconds, so the shifted replies all arrive "in time": an acquisition of a held lock can receive another
	 * name's grant. The holder keeps the lock on every real server throughout, and a counter of holders guards a
	 * contended name, so neither oracle depends on what the backend says.
	 */
	@Test
	void repliesRunningOneBehindNeverGrantAHeldLock() throws Exception {
		String held = uniqueName("held");
		String contended = uniqueName("contended");
		assertThat(directBackend().acquire(held, "holder", LEASE, Duration.ZERO)).isPresent();
		RedLockBackend backend = proxiedBackend();
		assertThat(lockAndUnlock(backend, uniqueName("warm-up"))).isPositive();
		swallow(0, 1, 2);
		assertThatExceptionOfType(RedLockQuorumException.class)
			.isThrownBy(() -> backend.renew(uniqueName("swallowed"), "nobody", LEASE));
		up(0, 1, 2);
		AtomicBoolean stop = new AtomicBoolean();
		AtomicInteger holders = new AtomicInteger();
		List<String> violations = new CopyOnWriteArrayList<>();
		Map<String, AtomicInteger> failures = new ConcurrentHashMap<>();
		List<Runnable> loops = new ArrayList<>();
		for (int i = 0; i < 4; i++) {
			String owner = "busy-" + i;
			loops.add(() -> {
				String free = uniqueName("free");
				if (acquireQuietly(backend, free, owner, Duration.ZERO).isPresent()) {
					backend.release(free, owner);
				}
			});
		}
		for (int i = 0; i < 2; i++) {
			String owner = "intruder-" + i;
			loops.add(() -> acquireQuietly(backend, held, owner, Duration.ZERO).ifPresent((grant) -> {
				violations.add(owner + " was granted '" + held + "' (token " + grant.fencingToken() + ")");
				backend.release(held, owner);
			}));
		}
		for (int i = 0; i < 3; i++) {
			String owner = "contender-" + i;
			loops.add(() -> {
				if (acquireQuietly(backend, contended, owner, Duration.ofSeconds(1)).isPresent()) {
					int now = holders.incrementAndGet();
					if (now > 1) {
						violations.add(owner + " holds '" + contended + "' with " + (now - 1) + " other holder(s)");
					}
					sleepQuietly(5);
					holders.decrementAndGet();
					backend.release(contended, owner);
				}
			});
		}
		List<Thread> threads = new ArrayList<>();
		for (Runnable loop : loops) {
			Thread thread = new Thread(() -> {
				while (!stop.get()) {
					try {
						loop.run();
					}
					catch (RuntimeException ex) {
						failures.computeIfAbsent(ex.getClass().getSimpleName(), (key) -> new AtomicInteger())
							.incrementAndGet();
					}
				}
			});
			thread.start();
			threads.add(thread);
		}
		Thread.sleep(8_000);
		stop.set(true);
		for (Thread thread : threads) {
			thread.join(30_000);
		}
		for (int node = 0; node < TestServices.redlockNodes().size(); node++) {
			String value = onServer(node, (redis) -> redis.get(lockKey(held)));
			assertThat(value).as("node %d", node).isEqualTo("holder");
		}
		assertThat(violations).as("failures by type: %s", failures).isEmpty();
		assertThat(failures.keySet()).as("failures by type: %s", failures)
			.isSubsetOf(RedLockQuorumException.class.getSimpleName());
	}

	/**
	 * A node whose round trip is constantly a little above the node timeout never counts, and its connection is
	 * replaced again and again; the other four must carry every acquisition meanwhile.
	 */
	@Test
	void aNodeConstantlySlightlySlowerThanTheNodeTimeoutCostsNoAcquisition() throws Exception {
		RedLockBackend backend = proxiedBackend();
		String name = uniqueName("slow-node");
		long last = lockAndUnlock(backend, name);
		int connectionsBefore = this.proxies.get(0).connections();
		// Request and reply are each held this long: a round trip of about 300 ms against a timeout of 250 ms.
		delay(Duration.ofMillis(150), 0);
		long end = System.nanoTime() + Duration.ofSeconds(8).toNanos();
		int acquisitions = 0;
		while (System.nanoTime() < end) {
			long start = System.nanoTime();
			long token = lockAndUnlock(backend, name);
			assertThat(Duration.ofNanos(System.nanoTime() - start)).as("acquisition %d", acquisitions)
				.isLessThan(PROMPT);
			assertThat(token).isGreaterThan(last);
			last = token;
			acquisitions++;
			Thread.sleep(20);
		}
		int reconnects = this.proxies.get(0).connections() - connectionsBefore;
		System.out.println("Slow node: " + acquisitions + " acquisitions, " + reconnects + " new connections in 8 s");
		assertThat(acquisitions).isGreaterThan(10);
	}

	private static void sleepQuietly(long millis) {
		try {
			Thread.sleep(millis);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private int countersAtLeast(String name, long token) {
		int count = 0;
		for (int node = 0; node < TestServices.redlockNodes().size(); node++) {
			String counter = onServer(node, (redis) -> redis.get(this.prefix + "token"));
			if (counter != null && Long.parseLong(counter) >= token) {
				count++;
			}
		}
		return count;
	}

	private void deleteLockKey(String name, int... nodes) {
		for (int node : nodes) {
			Long deleted = onServer(node, (redis) -> redis.del(lockKey(name)));
			assertThat(deleted).isOne();
		}
	}

	private String lockKey(String name) {
		return this.prefix + "{" + name + "}";
	}

	/** Runs commands on one of the servers themselves, behind any proxy. */
	private static <T> T onServer(int node, Function<RedisCommands<String, String>, T> commands) {
		RedisClient client = RedisClient.create(TestServices.redlockNodes().get(node).uri());
		try (StatefulRedisConnection<String, String> connection = client.connect()) {
			return commands.apply(connection.sync());
		}
		finally {
			client.shutdown();
		}
	}

	private static Optional<LockGrant> acquireQuietly(LockBackend backend, String name, String owner, Duration waitTime) {
		try {
			return backend.acquire(name, owner, LEASE, waitTime);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	private long lockAndUnlock(RedLockBackend backend, String name) throws InterruptedException {
		Optional<LockGrant> token = backend.acquire(name, "owner", LEASE, Duration.ofSeconds(5));
		assertThat(token).isPresent();
		assertThat(backend.release(name, "owner")).isTrue();
		return token.get().fencingToken();
	}

	/**
	 * Waits until the backend reaches the three nodes that are up (one that came back reconnects within
	 * about a second), without touching the lock under test: a renewal of a lock nobody holds answers
	 * {@code false} once a majority answers, and throws before.
	 */
	private void awaitAllUpNodesConnected(RedLockBackend backend) throws InterruptedException {
		long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
		while (true) {
			try {
				assertThat(backend.renew(uniqueName("probe"), "nobody", LEASE)).isFalse();
				return;
			}
			catch (RedLockQuorumException ex) {
				if (System.nanoTime() > deadline) {
					throw ex;
				}
				Thread.sleep(50);
			}
		}
	}

	private RedLockBackend backend(List<String> uris) {
		return backend(uris, NODE_TIMEOUT);
	}

	private RedLockBackend backend(List<String> uris, Duration nodeTimeout) {
		return new RedLockBackend(uris.stream().map(RedisURI::create).toList(), nodeTimeout, RETRY_DELAY, this.prefix);
	}

	/**
	 * A backend whose first {@code count} nodes are silent, the others the real servers in the same places.
	 */
	private RedLockBackend backendWithSilentNodes(Silence silence, int count) {
		List<String> uris = new ArrayList<>();
		List<RedisEndpoint> servers = TestServices.redlockNodes();
		for (int i = 0; i < servers.size(); i++) {
			uris.add((i < count) ? silentNode(silence, servers.get(i)) : servers.get(i).uri());
		}
		RedLockBackend backend = backend(uris);
		this.backends.add(backend);
		return backend;
	}

	private String silentNode(Silence silence, RedisEndpoint server) {
		if (silence == Silence.SWALLOWING_PROXY) {
			TcpProxy proxy = proxy(server);
			proxy.swallow();
			return "redis://127.0.0.1:" + proxy.port();
		}
		SilentNode node = (silence == Silence.ACCEPTS_AND_NEVER_ANSWERS) ? SilentNode.accepting()
				: SilentNode.withFullBacklog();
		this.silentNodes.add(node);
		return "redis://127.0.0.1:" + node.port();
	}

	private TcpProxy proxy(RedisEndpoint server) {
		try {
			TcpProxy proxy = new TcpProxy(server.host(), server.port());
			this.proxies.add(proxy);
			return proxy;
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** A backend on the servers themselves, closed after the test. */
	private RedLockBackend directBackend() {
		RedLockBackend backend = backend(TestServices.redlockNodes().stream().map(RedisEndpoint::uri).toList());
		this.backends.add(backend);
		return backend;
	}

	private RedLockBackend proxiedBackend() {
		return proxiedBackend(NODE_TIMEOUT);
	}

	private RedLockBackend proxiedBackend(Duration nodeTimeout) {
		if (this.proxies.isEmpty()) {
			TestServices.redlockNodes().forEach(this::proxy);
		}
		RedLockBackend backend = backend(this.proxies.stream().map((proxy) -> "redis://127.0.0.1:" + proxy.port()).toList(),
				nodeTimeout);
		this.backends.add(backend);
		return backend;
	}

	private void down(int... nodes) {
		for (int node : nodes) {
			this.proxies.get(node).down();
		}
	}

	private void up(int... nodes) {
		for (int node : nodes) {
			this.proxies.get(node).up();
		}
	}

	private void swallow(int... nodes) {
		for (int node : nodes) {
			this.proxies.get(node).swallow();
		}
	}

	private void delay(Duration delay, int... nodes) {
		for (int node : nodes) {
			this.proxies.get(node).delay(delay);
		}
	}

	/** Ways a node can be there for TCP and still never answer, none of which refuses a connection. */
	enum Silence {

		/** Accepts connections and never reads or writes: a hung server. */
		ACCEPTS_AND_NEVER_ANSWERS,

		/** Listens with a full backlog and never accepts: connection attempts hang until they time out. */
		FULL_BACKLOG,

		/** A proxy that keeps the connection to the real server but drops every byte: a network dropping packets. */
		SWALLOWING_PROXY

	}

	/** A loopback endpoint that never answers. */
	private static final class SilentNode implements AutoCloseable {

		private final ServerSocket server;

		private final List<Socket> sockets = new ArrayList<>();

		private SilentNode(int backlog) {
			try {
				this.server = new ServerSocket(0, backlog, InetAddress.getLoopbackAddress());
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
		}

		static SilentNode accepting() {
			SilentNode node = new SilentNode(50);
			Thread acceptor = new Thread(() -> {
				while (!node.server.isClosed()) {
					try {
						Socket socket = node.server.accept();
						synchronized (node.sockets) {
							node.sockets.add(socket);
						}
					}
					catch (IOException ex) {
						// Closed: the loop ends.
					}
				}
			}, "silent-node-" + node.port());
			acceptor.setDaemon(true);
			acceptor.start();
			return node;
		}

		/** The kernel queues connections up to the backlog; once the queue is full it drops further attempts. */
		static SilentNode withFullBacklog() {
			SilentNode node = new SilentNode(1);
			for (int attempt = 0; attempt < 10; attempt++) {
				Socket filler = new Socket();
				try {
					filler.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), node.port()), 200);
					node.sockets.add(filler);
				}
				catch (IOException ex) {
					closeQuietly(filler);
					return node;
				}
			}
			throw new IllegalStateException("The backlog of port " + node.port() + " never filled up");
		}

		int port() {
			return this.server.getLocalPort();
		}

		@Override
		public void close() {
			closeQuietly(this.server);
			synchronized (this.sockets) {
				this.sockets.forEach(SilentNode::closeQuietly);
			}
		}

		private static void closeQuietly(AutoCloseable closeable) {
			try {
				closeable.close();
			}
			catch (Exception ex) {
				// Already closed.
			}
		}

	}

}
