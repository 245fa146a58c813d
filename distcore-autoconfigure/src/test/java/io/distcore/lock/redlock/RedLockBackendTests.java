package io.distcore.lock.redlock;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.distcore.lock.AbstractLockBackendContractTests;
import io.distcore.lock.LockBackend;
import io.distcore.lock.LockGrant;
import io.distcore.lock.RedLockQuorumException;
import io.distcore.test.RedisEndpoint;
import io.distcore.test.TcpProxy;
import io.distcore.test.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

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

	/** Unique per test, so that cleaning up never touches the keys of a test running elsewhere. */
	private final String prefix = "distcore-test:" + UUID.randomUUID() + ":redlock:";

	private final List<TcpProxy> proxies = new ArrayList<>();

	private final List<RedLockBackend> proxied = new ArrayList<>();

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
		this.proxied.forEach(RedLockBackend::close);
		this.proxies.forEach(TcpProxy::close);
		for (RedisEndpoint node : TestServices.redlockNodes()) {
			RedisClient client = RedisClient.create(node.uri());
			try (StatefulRedisConnection<String, String> connection = client.connect()) {
				List<String> keys = connection.sync().keys(this.prefix + "*");
				if (!keys.isEmpty()) {
					connection.sync().del(keys.toArray(String[]::new));
				}
			}
			finally {
				client.shutdown();
			}
		}
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

	/** Reads the token counters on the servers themselves, behind the proxies. */
	private int countersAtLeast(String name, long token) {
		int count = 0;
		for (RedisEndpoint node : TestServices.redlockNodes()) {
			RedisClient client = RedisClient.create(node.uri());
			try (StatefulRedisConnection<String, String> connection = client.connect()) {
				String counter = connection.sync().get(this.prefix + "{" + name + "}:token");
				if (counter != null && Long.parseLong(counter) >= token) {
					count++;
				}
			}
			finally {
				client.shutdown();
			}
		}
		return count;
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
		return new RedLockBackend(uris.stream().map(RedisURI::create).toList(), NODE_TIMEOUT, RETRY_DELAY, this.prefix);
	}

	private RedLockBackend proxiedBackend() {
		if (this.proxies.isEmpty()) {
			for (RedisEndpoint node : TestServices.redlockNodes()) {
				try {
					this.proxies.add(new TcpProxy(node.host(), node.port()));
				}
				catch (IOException ex) {
					throw new IllegalStateException(ex);
				}
			}
		}
		RedLockBackend backend = backend(this.proxies.stream().map((proxy) -> "redis://127.0.0.1:" + proxy.port()).toList());
		this.proxied.add(backend);
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

}
