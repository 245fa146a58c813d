package io.distcore.id.lease.zookeeper;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;

import io.distcore.id.lease.WorkerIdLeaseException;
import io.distcore.id.lease.WorkerIdStore;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.ZooKeeper;
import org.apache.zookeeper.common.PathUtils;
import org.apache.zookeeper.data.Stat;

import org.springframework.util.Assert;

/**
 * Worker id leases in ZooKeeper: the EPHEMERAL node {@code <path>/<slot>} holds the owner, so the lease is the
 * client's session (ZooKeeper deletes the node when the session expires, and {@code ttl} is not used by the
 * ensemble); the PERSISTENT node {@code <path>/<slot>-last} holds the newest timestamp any holder stored.
 * <p>
 * The server expires a session once it has not heard from the client for the session timeout it negotiated
 * (bounded by its {@code minSessionTimeout} and {@code maxSessionTimeout}, by default 2 and 20 ticks), which can
 * be shorter than the ttl: {@link #guaranteedHold} is that timeout, read from the session that owns the node.
 * <p>
 * A suspended or lost connection is reported through {@link #onLoss}: the session may expire without this
 * client hearing of it. A renewal checks that the node still belongs to this owner and to the current session.
 */
public final class ZooKeeperWorkerIdStore implements WorkerIdStore {

	private final CuratorFramework client;

	private final String path;

	private final List<Runnable> lossCallbacks = new CopyOnWriteArrayList<>();

	/** Negotiated timeout of the session that owned the node at the last claim or renewal; 0 if none did. */
	private volatile long sessionTimeoutMillis;

	private final ConnectionStateListener connectionListener = (source, state) -> {
		if (state == ConnectionState.SUSPENDED || state == ConnectionState.LOST) {
			this.lossCallbacks.forEach(Runnable::run);
		}
	};

	/**
	 * Creates a store and listens to the client's connection state.
	 * @param client a started client, owned by the application
	 * @param path absolute parent path of the slot nodes, below the root
	 */
	public ZooKeeperWorkerIdStore(CuratorFramework client, String path) {
		Assert.notNull(client, "CuratorFramework must not be null");
		Assert.isTrue(path != null && !"/".equals(path), () -> "Path must be below the root, was '" + path + "'");
		PathUtils.validatePath(path);
		this.client = client;
		this.path = path;
		client.getConnectionStateListenable().addListener(this.connectionListener);
	}

	@Override
	public String name() {
		return "zookeeper";
	}

	@Override
	public Optional<Claim> claim(String owner, int slotCount, Duration ttl) {
		Assert.isTrue(slotCount > 0, "Slot count must be positive");
		Set<String> taken = children();
		int start = ThreadLocalRandom.current().nextInt(slotCount);
		for (int i = 0; i < slotCount; i++) {
			int slot = (start + i) % slotCount;
			if (!taken.contains(Integer.toString(slot))) {
				OptionalLong previous = claim(slot, owner, ttl);
				if (previous.isPresent()) {
					return Optional.of(new Claim(slot, previous.getAsLong()));
				}
			}
		}
		return Optional.empty();
	}

	@Override
	public OptionalLong claim(int slot, String owner, Duration ttl) {
		Assert.hasText(owner, "Owner must not be empty");
		long sessionTimeout;
		try {
			Stat stat = new Stat();
			this.client.create()
				.storingStatIn(stat)
				.creatingParentContainersIfNeeded()
				.withMode(CreateMode.EPHEMERAL)
				.forPath(slotPath(slot), owner.getBytes(StandardCharsets.UTF_8));
			sessionTimeout = sessionTimeoutIfOwner(stat);
		}
		catch (KeeperException.NodeExistsException ex) {
			return OptionalLong.empty();
		}
		catch (Exception ex) {
			throw unavailable("claim", ex);
		}
		if (sessionTimeout == 0) {
			// The node belongs to a session that ended right after creating it: ZooKeeper deletes it with that
			// session, and nothing this client does now would keep it.
			throw new WorkerIdLeaseException("Could not claim worker id slot " + slot + " under ZooKeeper path "
					+ this.path + ": the client's session changed while the slot node was being created (the session "
					+ "that created it expired, and ZooKeeper deletes the node with it); the next attempt claims "
					+ "with the new session");
		}
		this.sessionTimeoutMillis = sessionTimeout;
		return OptionalLong.of(storedTimestamp(slot));
	}

	@Override
	public boolean renew(int slot, String owner, long lastTimestamp, Duration ttl) {
		if (!holds(slot, owner)) {
			return false;
		}
		store(slot, lastTimestamp);
		return true;
	}

	/** The session timeout, if shorter than the ttl: the server may delete the node that long after its last contact. */
	@Override
	public Duration guaranteedHold(Duration ttl) {
		return Duration.ofMillis(Math.min(ttl.toMillis(), this.sessionTimeoutMillis));
	}

	@Override
	public boolean release(int slot, String owner, long lastTimestamp) {
		if (!holds(slot, owner)) {
			return false;
		}
		// The timestamp goes first: once the node is gone, the next holder reads it.
		store(slot, lastTimestamp);
		try {
			this.client.delete().forPath(slotPath(slot));
			return true;
		}
		catch (KeeperException.NoNodeException ex) {
			return false;
		}
		catch (Exception ex) {
			throw unavailable("release", ex);
		}
	}

	@Override
	public void onLoss(Runnable callback) {
		this.lossCallbacks.add(callback);
	}

	@Override
	public void close() {
		this.client.getConnectionStateListenable().removeListener(this.connectionListener);
		this.lossCallbacks.clear();
	}

	private boolean holds(int slot, String owner) {
		try {
			Stat stat = new Stat();
			byte[] data = this.client.getData().storingStatIn(stat).forPath(slotPath(slot));
			long sessionTimeout = sessionTimeoutIfOwner(stat);
			if (!owner.equals(new String(data, StandardCharsets.UTF_8)) || sessionTimeout == 0) {
				return false;
			}
			this.sessionTimeoutMillis = sessionTimeout;
			return true;
		}
		catch (KeeperException.NoNodeException ex) {
			return false;
		}
		catch (Exception ex) {
			throw unavailable("renew", ex);
		}
	}

	/**
	 * The negotiated timeout of the current session if it owns the node, else 0. Read from one handle, so that it
	 * belongs to the session compared; it is the server's value once connected, and the call that returned the
	 * stat was an answer from the server.
	 */
	private long sessionTimeoutIfOwner(Stat stat) throws Exception {
		ZooKeeper zooKeeper = this.client.getZookeeperClient().getZooKeeper();
		return (stat.getEphemeralOwner() == zooKeeper.getSessionId()) ? zooKeeper.getSessionTimeout() : 0;
	}

	private Set<String> children() {
		try {
			return new HashSet<>(this.client.getChildren().forPath(this.path));
		}
		catch (KeeperException.NoNodeException ex) {
			return Set.of();
		}
		catch (Exception ex) {
			throw unavailable("claim", ex);
		}
	}

	private long storedTimestamp(int slot) {
		try {
			byte[] data = this.client.getData().forPath(lastPath(slot));
			return Long.parseLong(new String(data, StandardCharsets.UTF_8));
		}
		catch (KeeperException.NoNodeException ex) {
			return 0;
		}
		catch (Exception ex) {
			throw unavailable("read the last timestamp of", ex);
		}
	}

	/** Only the holder of the slot writes its timestamp, so read-compare-write cannot race with another writer. */
	private void store(int slot, long lastTimestamp) {
		if (lastTimestamp <= storedTimestamp(slot)) {
			return;
		}
		byte[] data = Long.toString(lastTimestamp).getBytes(StandardCharsets.UTF_8);
		try {
			try {
				this.client.setData().forPath(lastPath(slot), data);
			}
			catch (KeeperException.NoNodeException ex) {
				this.client.create().creatingParentContainersIfNeeded().forPath(lastPath(slot), data);
			}
		}
		catch (Exception ex) {
			throw unavailable("store the last timestamp of", ex);
		}
	}

	private String slotPath(int slot) {
		return ZKPaths.makePath(this.path, Integer.toString(slot));
	}

	private String lastPath(int slot) {
		return ZKPaths.makePath(this.path, slot + "-last");
	}

	private WorkerIdLeaseException unavailable(String action, Exception ex) {
		if (ex instanceof InterruptedException) {
			Thread.currentThread().interrupt();
		}
		String remedy = "claim".equals(action) ? " (is ZooKeeper reachable? Check distcore.zookeeper.connect-string "
				+ "and the ensemble's health, choose another distcore.id.snowflake.lease.backend, or set a fixed "
				+ "distcore.id.snowflake.worker-id)" : "";
		return new WorkerIdLeaseException("Could not " + action + " a worker id under ZooKeeper path " + this.path
				+ ": " + ex + remedy, ex);
	}

}
