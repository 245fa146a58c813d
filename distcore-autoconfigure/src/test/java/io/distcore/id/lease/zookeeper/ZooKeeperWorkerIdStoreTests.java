package io.distcore.id.lease.zookeeper;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.distcore.id.lease.AbstractWorkerIdStoreTests;
import io.distcore.id.lease.LeasedWorkerId;
import io.distcore.id.lease.WorkerIdStore;
import io.distcore.id.snowflake.SnowflakeLayout;
import io.distcore.test.TestServices;
import io.distcore.test.ZooKeeperSessions;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The ZooKeeper store against an in-JVM server. Stores of a test share one client unless a test needs a session
 * of its own (a crashing process); plus: an expired session invalidates the lease and it comes back.
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

	@Override
	protected void cleanUp() throws Exception {
		this.client.delete().quietly().deletingChildrenIfNeeded().forPath(this.path);
		this.client.close();
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
