package io.distcore.id.lease.zookeeper;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.distcore.id.lease.AbstractWorkerIdStoreTests;
import io.distcore.id.lease.LeasedWorkerId;
import io.distcore.id.lease.WorkerIdLeaseException;
import io.distcore.id.lease.WorkerIdStore;
import io.distcore.id.snowflake.SnowflakeLayout;
import io.distcore.test.TcpProxy;
import io.distcore.test.TestServices;
import io.distcore.test.ZooKeeperSessions;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.curator.retry.RetryNTimes;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.data.ACL;
import org.apache.zookeeper.data.Stat;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The ZooKeeper store against an in-JVM server. Stores of a test share one client unless a test needs a session
 * of its own (a crashing process); plus: an expired session invalidates the lease and it comes back, a session
 * that ends during a claim fails it naming why, and a claim that cannot reach ZooKeeper says what to check.
 */
class ZooKeeperWorkerIdStoreTests extends AbstractWorkerIdStoreTests {

	private final String path = "/distcore-test/workers-" + UUID.randomUUID();

	private final CuratorFramework client = newClient();

	private final Map<WorkerIdStore, CuratorFramework> ownClients = new ConcurrentHashMap<>();

	@Override
	protected WorkerIdStore newStore() {
		return new ZooKeeperWorkerIdStore(this.client, this.path);
	}

	@Override
	protected WorkerIdStore newCrashingStore() {
		CuratorFramework own = newClient();
		WorkerIdStore store = new ZooKeeperWorkerIdStore(own, this.path);
		this.ownClients.put(store, own);
		return store;
	}

	@Override
	protected void crash(WorkerIdStore store) throws Exception {
		CuratorFramework own = this.ownClients.remove(store);
		ZooKeeperSessions.expire(own);
		own.close();
	}

	@Override
	protected void steal(int slot, String thief) {
		String node = this.path + "/" + slot;
		byte[] data = thief.getBytes(StandardCharsets.UTF_8);
		// The victim's heartbeat may take the slot back between delete and create: repeat until the thief has it.
		while (true) {
			try {
				this.client.delete().quietly().forPath(node);
				this.client.create().forPath(node, data);
				return;
			}
			catch (KeeperException.NodeExistsException ex) {
				Thread.onSpinWait();
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
		}
	}

	@Override
	protected void unsteal(int slot, String thief) {
		try {
			this.client.delete().forPath(this.path + "/" + slot);
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	@Test
	void anExpiredSessionInvalidatesTheLeaseUntilTheSameIdIsLeasedAgain() throws Exception {
		CuratorFramework own = newClient();
		try {
			LeasedWorkerId lease = LeasedWorkerId.lease(new ZooKeeperWorkerIdStore(own, this.path), "owner-"
					+ UUID.randomUUID(), SnowflakeLayout.DEFAULT, TTL, HEARTBEAT);
			try {
				int slot = lease.slot();
				ZooKeeperSessions.expire(own);
				awaitTrue(() -> !lease.isValid());
				awaitTrue(lease::isValid);
				assertThat(lease.slot()).isEqualTo(slot);
				assertThat(this.client.checkExists().forPath(this.path + "/" + slot).getEphemeralOwner())
					.isEqualTo(own.getZookeeperClient().getZooKeeper().getSessionId());
			}
			finally {
				lease.close();
			}
		}
		finally {
			own.close();
		}
	}

	@Test
	void aClaimThatCannotReachZooKeeperNamesTheRemedy() throws Exception {
		try (TcpProxy proxy = new TcpProxy("127.0.0.1", TestServices.zookeeper().getPort())) {
			proxy.down();
			CuratorFramework unreachable = CuratorFrameworkFactory.builder()
				.connectString("127.0.0.1:" + proxy.port())
				.connectionTimeoutMs(1_000)
				.retryPolicy(new RetryNTimes(0, 0))
				.build();
			unreachable.start();
			try {
				assertThatExceptionOfType(WorkerIdLeaseException.class)
					.isThrownBy(() -> new ZooKeeperWorkerIdStore(unreachable, this.path).claim("A", 1024, TTL))
					.withMessageContaining("Could not claim a worker id under ZooKeeper path " + this.path)
					.withMessageContaining("distcore.zookeeper.connect-string")
					.withMessageContaining("distcore.id.snowflake.lease.backend")
					.withMessageContaining("distcore.id.snowflake.worker-id");
			}
			finally {
				unreachable.close();
			}
		}
	}

	/**
	 * The session that created the slot node ends before the store reads which session it has: the node is that
	 * session's and goes with it. The claim fails saying so (not as a hold of 0 that is "shorter than three
	 * heartbeats"), and the next claim, on the new session, succeeds.
	 */
	@Test
	void aSessionThatEndsRightAfterCreatingTheSlotNodeFailsTheClaimNamingIt() throws Exception {
		AtomicBoolean armed = new AtomicBoolean(true);
		CountDownLatch expired = new CountDownLatch(1);
		String connectString = TestServices.zookeeper().getConnectString();
		CuratorFramework own = CuratorFrameworkFactory.builder()
			.connectString(connectString)
			.sessionTimeoutMs(10_000)
			.connectionTimeoutMs(2_000)
			.retryPolicy(new ExponentialBackoffRetry(100, 3))
			.zookeeperFactory((connect, sessionTimeout, watcher, canBeReadOnly) -> new SessionEndingZooKeeper(connect,
					sessionTimeout, watcher, canBeReadOnly, armed, expired))
			.build();
		own.start();
		try {
			assertThat(own.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
			assertThatExceptionOfType(WorkerIdLeaseException.class)
				.isThrownBy(() -> LeasedWorkerId.lease(new ZooKeeperWorkerIdStore(own, this.path), "A",
						SnowflakeLayout.DEFAULT, TTL, HEARTBEAT))
				.withMessageContaining("Could not claim worker id slot")
				.withMessageContaining("session changed while the slot node was being created")
				.withMessageNotContaining("three heartbeats");
			assertThat(expired.getCount()).as("the session ended during the claim").isZero();
			assertThat(own.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
			try (LeasedWorkerId lease = LeasedWorkerId.lease(new ZooKeeperWorkerIdStore(own, this.path), "A",
					SnowflakeLayout.DEFAULT, TTL, HEARTBEAT)) {
				assertThat(lease.isValid()).isTrue();
			}
		}
		finally {
			own.close();
		}
	}

	@Override
	protected void cleanUp() throws Exception {
		this.client.delete().quietly().deletingChildrenIfNeeded().forPath(this.path);
		this.client.close();
	}

	/**
	 * A client handle that, once armed, ends its own session on the server right after it created an ephemeral
	 * node, and returns only once its client saw the expiry (and so has replaced this handle).
	 */
	private static final class SessionEndingZooKeeper extends ZooKeeper {

		private final String connectString;

		private final AtomicBoolean armed;

		private final CountDownLatch expired;

		SessionEndingZooKeeper(String connectString, int sessionTimeout, Watcher watcher, boolean canBeReadOnly,
				AtomicBoolean armed, CountDownLatch expired) throws IOException {
			super(connectString, sessionTimeout, (event) -> {
				watcher.process(event);
				if (event.getState() == Watcher.Event.KeeperState.Expired) {
					expired.countDown();
				}
			}, canBeReadOnly);
			this.connectString = connectString;
			this.armed = armed;
			this.expired = expired;
		}

		@Override
		public String create(String path, byte[] data, List<ACL> acl, CreateMode createMode, Stat stat, long ttl)
				throws KeeperException, InterruptedException {
			String created = super.create(path, data, acl, createMode, stat, ttl);
			if (createMode == CreateMode.EPHEMERAL && this.armed.compareAndSet(true, false)) {
				endSession();
				if (!this.expired.await(20, TimeUnit.SECONDS)) {
					throw new IllegalStateException("The client did not see its session expire");
				}
			}
			return created;
		}

		/** A second handle attaches to this session and closes it, as ZooKeeperSessions#expire does. */
		private void endSession() throws InterruptedException {
			CountDownLatch connected = new CountDownLatch(1);
			try {
				ZooKeeper intruder = new ZooKeeper(this.connectString, 10_000, (event) -> {
					if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
						connected.countDown();
					}
				}, getSessionId(), getSessionPasswd());
				try {
					if (!connected.await(20, TimeUnit.SECONDS)) {
						throw new IllegalStateException("Could not attach to session " + getSessionId());
					}
				}
				finally {
					intruder.close();
				}
			}
			catch (IOException ex) {
				throw new IllegalStateException(ex);
			}
		}

	}

	private static CuratorFramework newClient() {
		return newClient(TestServices.zookeeper().getConnectString(), 10_000);
	}

	/**
	 * A connected client.
	 * @param connectString the server
	 * @param sessionTimeoutMs the session timeout to ask for; the server may grant a shorter one
	 * @return the client
	 */
	static CuratorFramework newClient(String connectString, int sessionTimeoutMs) {
		CuratorFramework client = CuratorFrameworkFactory.builder()
			.connectString(connectString)
			.sessionTimeoutMs(sessionTimeoutMs)
			.connectionTimeoutMs(2_000)
			.retryPolicy(new ExponentialBackoffRetry(100, 3))
			.build();
		client.start();
		try {
			assertThat(client.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		return client;
	}

}
