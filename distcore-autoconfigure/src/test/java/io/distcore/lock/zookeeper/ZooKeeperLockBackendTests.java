package io.distcore.lock.zookeeper;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.distcore.lock.AbstractLockBackendContractTests;
import io.distcore.lock.LockBackend;
import io.distcore.lock.LockBackendUnavailableException;
import io.distcore.lock.LockLostException;
import io.distcore.lock.LockRegistry;
import io.distcore.lock.NamedLock;
import io.distcore.support.InstanceId;
import io.distcore.test.TestServices;
import io.distcore.test.ZooKeeperSessions;
import org.apache.curator.RetryPolicy;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.retry.RetryNTimes;
import org.apache.curator.retry.RetryOneTime;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.apache.zookeeper.CreateMode;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The ZooKeeper backend against an in-JVM ZooKeeper: the contract, plus session expiry, a dead ensemble, a
 * suspended connection and FIFO order. Every "process" has its own Curator client and so its own session.
 */
class ZooKeeperLockBackendTests extends AbstractLockBackendContractTests {

	private static final Duration HANG = Duration.ofSeconds(20);

	private static final String BASE_PATH = "/distcore-test/locks";

	private final Map<LockBackend, CuratorFramework> clients = new ConcurrentHashMap<>();

	/** Backends in creation order, so that a test can reach the process it created last. */
	private final List<ZooKeeperLockBackend> created = new CopyOnWriteArrayList<>();

	private final List<LockBackend> patient = new CopyOnWriteArrayList<>();

	private String connectString = TestServices.zookeeper().getConnectString();

	@Override
	protected LockBackend newBackend() {
		return register(client(new ExponentialBackoffRetry(100, 3)));
	}

	@AfterEach
	void closePatientProcesses() {
		this.patient.forEach(this::close);
	}

	@Override
	protected void close(LockBackend backend) {
		((ZooKeeperLockBackend) backend).close();
		this.clients.remove(backend).close();
	}

	@Test
	void sessionExpiryOfTheHolderIsReportedAndTheNextHolderGetsAHigherToken() throws Exception {
		String name = uniqueName("session-expiry");
		NamedLock holder = newProcess().getLock(name);
		CuratorFramework holderClient = lastClient();
		assertThat(holder.tryLock(Duration.ZERO)).isTrue();
		long token = holder.fencingToken();

		ZooKeeperSessions.expire(holderClient);
		awaitTrue(() -> this.events.lost.stream().anyMatch((lost) -> lost.startsWith(name)));
		assertThat(holder.isHeldByCurrentOwner()).isFalse();
		assertThatExceptionOfType(LockLostException.class).isThrownBy(holder::unlock);

		NamedLock next = newProcess().getLock(name);
		assertThat(next.tryLock(HANG, Duration.ofSeconds(30))).isTrue();
		assertThat(next.fencingToken()).isGreaterThan(token);
		next.unlock();
	}

	@Test
	void aDeadEnsembleFailsFastWithBackendUnavailable() throws Exception {
		try (TestingCluster cluster = TestServices.zookeeperCluster(3)) {
			this.connectString = cluster.getConnectString();
			CuratorFramework client = CuratorFrameworkFactory.builder()
				.connectString(this.connectString)
				.sessionTimeoutMs(10_000)
				.connectionTimeoutMs(1_000)
				.retryPolicy(new RetryOneTime(100))
				.build();
			LockBackend backend = register(client);
			try {
				String name = uniqueName("ensemble-down");
				// The short connection timeout is for the dead ensemble; a loaded machine may need longer to connect.
				assertThat(client.blockUntilConnected(30, TimeUnit.SECONDS)).isTrue();
				assertThat(backend.acquire(name, "warm-up", Duration.ofSeconds(30), Duration.ZERO)).isPresent();
				assertThat(backend.release(name, "warm-up")).isTrue();
				for (InstanceSpec member : cluster.getInstances()) {
					cluster.killServer(member);
				}
				long start = System.nanoTime();
				assertThatExceptionOfType(LockBackendUnavailableException.class)
					.isThrownBy(() -> backend.acquire(name, "owner", Duration.ofSeconds(30), Duration.ofSeconds(5)));
				assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(HANG);
			}
			finally {
				close(backend);
			}
		}
	}

	@Test
	void aSuspendedHoldIsReportedLostAndItsNodeDeletedOnceReconnected() throws Exception {
		try (TestingServer server = new TestingServer(true)) {
			this.connectString = server.getConnectString();
			String name = uniqueName("suspended");
			NamedLock holder = newProcess().getLock(name);
			CuratorFramework holderClient = lastClient();
			assertThat(holder.tryLock(Duration.ZERO)).isTrue();

			server.stop();
			awaitTrue(() -> this.events.lost.stream().anyMatch((lost) -> lost.startsWith(name)));
			server.restart();
			// The session outlived the outage, so only the backend's own delete can free the lock.
			awaitTrue(() -> holderClient.getZookeeperClient().isConnected());
			NamedLock next = newProcess().getLock(name);
			assertThat(next.tryLock(HANG, Duration.ofSeconds(30))).isTrue();
			assertThatExceptionOfType(LockLostException.class).isThrownBy(holder::unlock);
			next.unlock();
		}
	}

	@Test
	void anOrphanedNodeOfTheSameOwnerDoesNotMakeItWaitForItself() throws Exception {
		String name = uniqueName("orphan");
		LockRegistry process = newProcess();
		CuratorFramework client = lastClient();
		NamedLock lock = process.getLock(name, "zookeeper", "job-1");
		String queue = lastBackend().queuePath(name);
		// What a create whose reply was lost beyond Curator's retries leaves behind: a node of this session, this
		// owner and an earlier attempt.
		client.create()
			.creatingParentContainersIfNeeded()
			.withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
			.forPath(queue + "/_c_" + UUID.randomUUID() + "-lock-",
					(lock.owner() + "\n" + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8));

		assertThat(newProcess().getLock(name).tryLock(Duration.ZERO, Duration.ofSeconds(30))).isFalse();
		assertThat(lock.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
		lock.unlock();
		awaitTrue(() -> childCount(client, queue) == 0);
		NamedLock next = newProcess().getLock(name);
		assertThat(next.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
		next.unlock();
	}

	@Test
	void aServerRestartWhileWaitingFailsTheAcquisitionAndLeavesNoNodeBehind() throws Exception {
		try (TestingServer server = new TestingServer(true)) {
			this.connectString = server.getConnectString();
			String name = uniqueName("restart-while-waiting");
			NamedLock holder = newProcess().getLock(name);
			assertThat(holder.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
			CuratorFramework observer = lastClient();
			// Retries that outlast the restart: only the connection generation can tell the waiter it was cut off.
			LockRegistry waiter = patientProcess();
			try {
				assertAWaitBehindTheHolderFails(name, observer, waiter, server::restart);
			}
			finally {
				waiter.close();
			}
			awaitTrue(() -> observer.getZookeeperClient().isConnected());
			NamedLock next = newProcess().getLock(name);
			assertThat(next.tryLock(HANG, Duration.ofSeconds(30))).isTrue();
			next.unlock();
			assertThatExceptionOfType(LockLostException.class).isThrownBy(holder::unlock);
		}
	}

	@Test
	void aSessionExpiredWhileWaitingFailsTheAcquisition() throws Exception {
		String name = uniqueName("expired-while-waiting");
		NamedLock holder = newProcess().getLock(name);
		assertThat(holder.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
		CuratorFramework observer = lastClient();
		LockRegistry waiter = newProcess();
		CuratorFramework waiterClient = lastClient();
		assertAWaitBehindTheHolderFails(name, observer, waiter, () -> ZooKeeperSessions.expire(waiterClient));
		holder.unlock();
		NamedLock next = newProcess().getLock(name);
		assertThat(next.tryLock(HANG, Duration.ofSeconds(30))).isTrue();
		next.unlock();
	}

	@Test
	void waitersAcquireInTheOrderTheyQueued() throws Exception {
		String name = uniqueName("fifo");
		NamedLock holder = newProcess().getLock(name);
		assertThat(holder.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
		CuratorFramework observer = lastClient();
		String queue = lastBackend().queuePath(name);
		List<Integer> order = new CopyOnWriteArrayList<>();
		ExecutorService pool = Executors.newFixedThreadPool(3);
		try {
			List<Future<Boolean>> waiters = new ArrayList<>();
			for (int i = 1; i <= 3; i++) {
				int waiter = i;
				LockRegistry process = newProcess();
				waiters.add(pool.submit(() -> {
					NamedLock lock = process.getLock(name);
					boolean acquired = lock.tryLock(HANG, Duration.ofSeconds(30));
					order.add(waiter);
					lock.unlock();
					return acquired;
				}));
				int queued = i + 1;
				awaitTrue(() -> childCount(observer, queue) == queued);
			}
			holder.unlock();
			for (Future<Boolean> waiter : waiters) {
				assertThat(waiter.get(HANG.toSeconds(), TimeUnit.SECONDS)).isTrue();
			}
		}
		finally {
			pool.shutdownNow();
		}
		assertThat(order).containsExactly(1, 2, 3);
	}

	@Test
	void anInterruptedAcquireThrowsAndLeavesTheLockFree() throws Exception {
		String name = uniqueName("interrupted");
		LockBackend interrupted = newBackend();
		try {
			Thread.currentThread().interrupt();
			assertThatExceptionOfType(InterruptedException.class)
				.isThrownBy(() -> interrupted.acquire(name, "owner", Duration.ofSeconds(30), Duration.ZERO));
			assertThat(Thread.interrupted()).as("interrupt flag after InterruptedException").isFalse();
			NamedLock next = newProcess().getLock(name);
			assertThat(next.tryLock(HANG, Duration.ofSeconds(30))).isTrue();
			next.unlock();
		}
		finally {
			Thread.interrupted();
			close(interrupted);
		}
	}

	@Test
	void lockNamesAreEscapedIntoOnePathSegment() {
		ZooKeeperLockBackend backend = (ZooKeeperLockBackend) newBackend();
		assertThat(backend.queuePath("orders/42")).isEqualTo(BASE_PATH + "/orders%2F42");
		assertThat(backend.queuePath("..")).isEqualTo(BASE_PATH + "/%2E.");
		assertThat(backend.queuePath("a.b-c_d")).isEqualTo(BASE_PATH + "/a.b-c_d");
		assertThat(backend.queuePath("100%")).isEqualTo(BASE_PATH + "/100%25");
		assertThat(backend.queuePath("zé")).isEqualTo(BASE_PATH + "/z%C3%A9");
		close(backend);
	}

	@Test
	void invalidBasePathIsRejected() {
		CuratorFramework client = CuratorFrameworkFactory.newClient(this.connectString, new RetryOneTime(100));
		try {
			assertThatExceptionOfType(IllegalArgumentException.class)
				.isThrownBy(() -> new ZooKeeperLockBackend(client, "locks"))
				.withMessageContaining("'locks'");
			assertThatExceptionOfType(IllegalArgumentException.class)
				.isThrownBy(() -> new ZooKeeperLockBackend(client, "/"));
		}
		finally {
			client.close();
		}
	}

	/**
	 * Queues {@code waiter} behind the current holder of {@code name}, as seen by {@code observer}, strikes with
	 * {@code fault} while it waits, and expects the wait to fail.
	 */
	private void assertAWaitBehindTheHolderFails(String name, CuratorFramework observer, LockRegistry waiter,
			Fault fault) throws Exception {
		String queue = lastBackend().queuePath(name);
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			Future<Boolean> waiting = pool.submit(() -> waiter.getLock(name).tryLock(HANG, Duration.ofSeconds(30)));
			awaitTrue(() -> childCount(observer, queue) == 2);
			fault.strike();
			assertThatExceptionOfType(ExecutionException.class)
				.isThrownBy(() -> waiting.get(HANG.toSeconds(), TimeUnit.SECONDS))
				.withCauseInstanceOf(LockBackendUnavailableException.class);
		}
		finally {
			pool.shutdownNow();
		}
	}

	/** A process whose client retries every operation for longer than a server restart takes. */
	private LockRegistry patientProcess() {
		LockBackend backend = register(client(new RetryNTimes(100, 100)));
		LockRegistry registry = new LockRegistry(InstanceId.generate(), List.of(backend), backend.name(),
				Duration.ofSeconds(30), List.of(this.events));
		this.patient.add(backend);
		return registry;
	}

	private CuratorFramework client(RetryPolicy retryPolicy) {
		return CuratorFrameworkFactory.builder()
			.connectString(this.connectString)
			.sessionTimeoutMs(10_000)
			.connectionTimeoutMs(2_000)
			.retryPolicy(retryPolicy)
			.build();
	}

	private LockBackend register(CuratorFramework client) {
		client.start();
		ZooKeeperLockBackend backend = new ZooKeeperLockBackend(client, BASE_PATH);
		this.clients.put(backend, client);
		this.created.add(backend);
		return backend;
	}

	private ZooKeeperLockBackend lastBackend() {
		return this.created.get(this.created.size() - 1);
	}

	private CuratorFramework lastClient() {
		return this.clients.get(lastBackend());
	}

	private static int childCount(CuratorFramework client, String path) {
		try {
			return client.getChildren().forPath(path).size();
		}
		catch (Exception ex) {
			return -1;
		}
	}


	private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + HANG.toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime() - deadline).as("condition not met within " + HANG).isNegative();
			Thread.sleep(50);
		}
	}

	@FunctionalInterface
	private interface Fault {

		void strike() throws Exception;

	}

}
