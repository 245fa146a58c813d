package io.distcore.test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.curator.framework.CuratorFramework;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.ZooKeeper;

/**
 * Faults of ZooKeeper sessions for tests.
 */
public final class ZooKeeperSessions {

	private ZooKeeperSessions() {
	}

	/**
	 * Ends the client's session on the server, as an expiry does: a second handle attaches to the session and
	 * closes it, which deletes its ephemeral nodes and makes the client see Expired on its next contact.
	 * ({@code KillSession} of curator-test 5.9 only fakes the expiry on the client side.)
	 * @param client a connected client
	 * @throws Exception if the second handle could not attach within 20 s
	 */
	public static void expire(CuratorFramework client) throws Exception {
		ZooKeeper zookeeper = client.getZookeeperClient().getZooKeeper();
		CountDownLatch connected = new CountDownLatch(1);
		ZooKeeper intruder = new ZooKeeper(client.getZookeeperClient().getCurrentConnectionString(), 10_000,
				(event) -> {
					if (event.getState() == Watcher.Event.KeeperState.SyncConnected) {
						connected.countDown();
					}
				}, zookeeper.getSessionId(), zookeeper.getSessionPasswd());
		try {
			if (!connected.await(20, TimeUnit.SECONDS)) {
				throw new IllegalStateException("Could not attach to ZooKeeper session " + zookeeper.getSessionId());
			}
		}
		finally {
			intruder.close();
		}
	}

}
