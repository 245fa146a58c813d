package io.distcore.lock.zookeeper;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.distcore.lock.LockBackend;
import io.distcore.lock.LockBackendUnavailableException;
import io.distcore.lock.LockGrant;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.apache.curator.CuratorZookeeperClient;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.imps.CuratorFrameworkState;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.curator.framework.state.ConnectionStateListener;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.apache.zookeeper.Watcher;
import org.apache.zookeeper.common.PathUtils;
import org.apache.zookeeper.data.Stat;

import org.springframework.util.Assert;

/**
 * Locks kept in ZooKeeper on an existing {@link CuratorFramework}. Every lock name has a parent node below the
 * base path; a contender queues an {@code EPHEMERAL_SEQUENTIAL} child there, created with Curator's protection
 * so that a create whose reply was lost is found again, and the child with the lowest sequence holds the lock.
 * Every other contender watches its immediate predecessor only, so a release wakes one waiter and the lock is
 * granted in the order the contenders queued. A node's data is its owner, a line break and an id of the
 * attempt that created it.
 * <p>
 * Fencing tokens are the {@code czxid} of the winning node: ZooKeeper assigns it, and every node created later
 * in the ensemble has a larger one. Leases are kept by this client, which deletes the node when a lease runs
 * out without renewal; if the process dies, ZooKeeper deletes the node when its session expires. When the
 * connection is suspended or the session lost, every hold of this backend is reported through
 * {@link #onLoss(LossCallback)}, because another owner may hold the lock by the time the connection is back,
 * and its node is deleted as soon as ZooKeeper answers again in case the session survived.
 * <p>
 * Each suspension or loss of the connection starts a new connection generation. An acquisition that began in an
 * earlier generation fails with {@link LockBackendUnavailableException} and deletes its node, even when the
 * connection came back in time: across SUSPENDED, LOST and RECONNECTED it cannot tell whether its node still
 * stands for a place in the queue, and a hold granted on a stale one would be a second holder.
 * <p>
 * A node of the acquiring owner's own, left in the queue by an earlier attempt of this session whose create
 * failed after ZooKeeper applied it, is deleted when the owner finds it ahead: the owner does not wait out a hold
 * it never knew it had. (A create whose reply was lost within Curator's retries is found again by its protection
 * and never becomes such a node.)
 * <p>
 * Names are escaped into one path segment: ASCII letters, digits, {@code -}, {@code _} and {@code .} (except
 * a leading one) stay as they are, every other UTF-8 byte becomes {@code %XX}.
 */
public final class ZooKeeperLockBackend implements LockBackend, AutoCloseable {

	private static final Log logger = LogFactory.getLog(ZooKeeperLockBackend.class);

	/** Name of every queue node: Curator's protection goes before it and ZooKeeper appends the sequence. */
	private static final String NODE_NAME = "lock-";

	/** ZooKeeper appends the sequence as ten zero-padded digits, so sequences sort as text. */
	private static final int SEQUENCE_DIGITS = 10;

	private static final char[] HEX = "0123456789ABCDEF".toCharArray();

	private final CuratorFramework client;

	private final String basePath;

	private final Map<HoldKey, Hold> holds = new ConcurrentHashMap<>();

	/** Creates that failed without telling whether their node exists; swept whenever ZooKeeper answers. */
	private final Set<Attempt> uncertainCreates = ConcurrentHashMap.newKeySet();

	/** Threads waiting for their predecessor; a suspended connection wakes them all. */
	private final Set<CountDownLatch> waiters = ConcurrentHashMap.newKeySet();

	private final ScheduledThreadPoolExecutor scheduler;

	private final ConnectionStateListener connectionListener = (source, state) -> connectionChanged(state);

	/** Nodes of acquisitions under way, which another acquisition of the same owner must not take for orphans. */
	private final Set<String> acquiring = ConcurrentHashMap.newKeySet();

	/** Orders new holds against the abandoning of all holds at a suspension, so that none slips past it. */
	private final Object connectionMonitor = new Object();

	/** Incremented at every suspension or loss of the connection; guarded by {@link #connectionMonitor}. */
	private long connectionGeneration;

	private volatile LossCallback lossCallback = (name, owner, reason) -> {
	};

	/**
	 * Creates a backend on a client that the caller starts and closes.
	 * @param client the Curator client; its retry policy and connection timeout bound every operation
	 * @param basePath absolute path of the parent of all lock nodes, for example {@code /distcore/locks}
	 */
	public ZooKeeperLockBackend(CuratorFramework client, String basePath) {
		Assert.notNull(client, "CuratorFramework must not be null");
		this.client = client;
		this.basePath = validBasePath(basePath);
		this.scheduler = new ScheduledThreadPoolExecutor(1, (task) -> {
			Thread thread = new Thread(task, "distcore-zookeeper-lock");
			thread.setDaemon(true);
			return thread;
		});
		this.scheduler.setRemoveOnCancelPolicy(true);
		client.getConnectionStateListenable().addListener(this.connectionListener);
	}

	@Override
	public String name() {
		return "zookeeper";
	}

	/**
	 * Queues for the lock and waits for the nodes ahead to go. Waits at most the client's connection timeout for
	 * a connection first; a node left behind by a timeout, an interrupt or a failure is deleted.
	 */
	@Override
	public Optional<LockGrant> acquire(String name, String owner, Duration leaseTime, Duration waitTime)
			throws InterruptedException {
		long deadline = System.nanoTime() + waitTime.toNanos();
		awaitConnection(name);
		long generation = connectionGeneration();
		String queue = queuePath(name);
		Attempt attempt = new Attempt(queue, owner + '\n' + UUID.randomUUID());
		Stat created = new Stat();
		String node;
		try {
			node = this.client.create()
				.storingStatIn(created)
				.creatingParentContainersIfNeeded()
				.withProtection()
				.withMode(CreateMode.EPHEMERAL_SEQUENTIAL)
				.forPath(ZKPaths.makePath(queue, NODE_NAME), attempt.data());
		}
		catch (Exception ex) {
			// The node may exist although the call failed (a reply lost past Curator's retries, an interrupt);
			// left alone it would block the lock for as long as this session lives.
			this.uncertainCreates.add(attempt);
			if (this.client.getZookeeperClient().isConnected()) {
				scheduleSweep();
			}
			if (ex instanceof InterruptedException interrupted) {
				throw interruption(interrupted);
			}
			throw unavailable("queue for", name, ex);
		}
		boolean held = false;
		this.acquiring.add(node);
		try {
			OptionalLong token = awaitTurn(name, owner, queue, node, created, deadline, generation);
			if (token.isEmpty()) {
				return Optional.empty();
			}
			// The lease is this client's scheduled deletion, which hold() starts after this instant.
			long leaseStartedAt = System.nanoTime();
			hold(new HoldKey(name, owner), node, leaseTime, generation);
			held = true;
			return Optional.of(new LockGrant(token.getAsLong(), leaseStartedAt));
		}
		finally {
			this.acquiring.remove(node);
			if (!held) {
				deleteInBackground(node);
			}
		}
	}

	/**
	 * Checks that the node is still there and moves the deletion the lease ordered. Returns {@code false}
	 * without asking ZooKeeper while the client is disconnected: the hold is being abandoned then.
	 */
	@Override
	public boolean renew(String name, String owner, Duration leaseTime) {
		HoldKey key = new HoldKey(name, owner);
		Hold hold = this.holds.get(key);
		if (hold == null || !this.client.getZookeeperClient().isConnected()) {
			return false;
		}
		Stat stat = callUninterruptibly("renew", name, () -> this.client.checkExists().forPath(hold.node));
		synchronized (hold) {
			if (stat == null && this.holds.remove(key, hold)) {
				cancelExpiry(hold);
			}
			if (this.holds.get(key) != hold) {
				return false;
			}
			scheduleExpiry(key, hold, leaseTime);
			return true;
		}
	}

	/**
	 * Deletes the node. If ZooKeeper cannot be reached, Curator keeps retrying the delete in the background
	 * (a guaranteed delete) and a repeated call returns {@code false}.
	 */
	@Override
	public boolean release(String name, String owner) {
		Hold hold = this.holds.remove(new HoldKey(name, owner));
		if (hold == null) {
			return false;
		}
		cancelExpiry(hold);
		return callUninterruptibly("release", name, () -> {
			try {
				this.client.delete().guaranteed().forPath(hold.node);
				return true;
			}
			catch (KeeperException.NoNodeException ex) {
				return false;
			}
		});
	}

	@Override
	public void onLoss(LossCallback callback) {
		Assert.notNull(callback, "LossCallback must not be null");
		this.lossCallback = callback;
	}

	/**
	 * Looks at the client's connection state only: ZooKeeper is sent nothing.
	 */
	@Override
	public void check() {
		CuratorZookeeperClient zookeeper = this.client.getZookeeperClient();
		if (this.client.getState() != CuratorFrameworkState.STARTED || !zookeeper.isConnected()) {
			throw new LockBackendUnavailableException(
					"ZooKeeper is not connected at " + zookeeper.getCurrentConnectionString());
		}
	}

	/**
	 * Stops enforcing leases and deletes the nodes of the holds left, since nothing would delete them before
	 * the session ends. The client stays open.
	 */
	@Override
	public void close() {
		this.client.getConnectionStateListenable().removeListener(this.connectionListener);
		this.scheduler.shutdownNow();
		this.holds.forEach((key, hold) -> {
			if (this.holds.remove(key, hold)) {
				deleteInBackground(hold.node);
			}
		});
	}

	/**
	 * Path of the parent of the queue nodes of one lock.
	 * @param name lock name
	 * @return the escaped path
	 */
	String queuePath(String name) {
		return ZKPaths.makePath(this.basePath, segment(name));
	}

	private OptionalLong awaitTurn(String name, String owner, String queue, String node, Stat created, long deadline,
			long generation) throws InterruptedException {
		String nodeName = ZKPaths.getNodeFromPath(node);
		while (true) {
			checkGeneration(name, generation);
			List<String> contenders = contenders(name, queue);
			int position = contenders.indexOf(nodeName);
			if (position < 0) {
				throw new LockBackendUnavailableException(
						"The queue node of lock '" + name + "' is gone: the ZooKeeper session expired while waiting");
			}
			if (position == 0) {
				// Curator leaves the stat empty when it found the node again after a lost reply.
				return OptionalLong.of((created.getCzxid() != 0) ? created.getCzxid() : czxid(name, node));
			}
			if (!awaitDeletion(name, owner, ZKPaths.makePath(queue, contenders.get(position - 1)), deadline,
					generation)) {
				return OptionalLong.empty();
			}
		}
	}

	private List<String> contenders(String name, String queue) throws InterruptedException {
		List<String> children = call("list the queue of", name, () -> this.client.getChildren().forPath(queue));
		return children.stream()
			.filter(ZooKeeperLockBackend::isQueueNode)
			.sorted(Comparator.comparing(ZooKeeperLockBackend::sequence))
			.toList();
	}

	/**
	 * Waits for the predecessor to go, or deletes it at once if it is an orphan of the same owner.
	 * @return {@code false} if the deadline passed with the predecessor still there
	 */
	private boolean awaitDeletion(String name, String owner, String predecessor, long deadline, long generation)
			throws InterruptedException {
		CountDownLatch changed = new CountDownLatch(1);
		Watcher wakeUp = (event) -> changed.countDown();
		long remaining = deadline - System.nanoTime();
		this.waiters.add(changed);
		try {
			Stat stat = new Stat();
			// getData, not exists: exists leaves a watch behind on a missing node, and a sequential node never
			// comes back to fire it. No watch when there is no time to wait for it.
			byte[] data = call("watch the queue of", name, () -> {
				try {
					return (remaining > 0)
							? this.client.getData().storingStatIn(stat).usingWatcher(wakeUp).forPath(predecessor)
							: this.client.getData().storingStatIn(stat).forPath(predecessor);
				}
				catch (KeeperException.NoNodeException ex) {
					return null;
				}
			});
			if (data == null) {
				return true;
			}
			if (isOrphan(predecessor, stat, data, owner)) {
				logger.debug("Deleting " + predecessor + ", left behind by an earlier attempt of the same owner");
				call("delete an orphaned node of", name,
						() -> this.client.delete().quietly().guaranteed().forPath(predecessor));
				return true;
			}
			if (remaining <= 0) {
				return false;
			}
			if (connectionGeneration() == generation) {
				changed.await(remaining, TimeUnit.NANOSECONDS);
			}
			return true;
		}
		finally {
			this.waiters.remove(changed);
		}
	}

	/**
	 * A node of this session and this owner that is neither held nor being acquired: what is left when a create
	 * failed after ZooKeeper applied it.
	 */
	private boolean isOrphan(String node, Stat stat, byte[] data, String owner) {
		if (!new String(data, StandardCharsets.UTF_8).startsWith(owner + '\n') || this.acquiring.contains(node)
				|| this.holds.values().stream().anyMatch((hold) -> hold.node.equals(node))) {
			return false;
		}
		try {
			return stat.getEphemeralOwner() == this.client.getZookeeperClient().getZooKeeper().getSessionId();
		}
		catch (Exception ex) {
			return false;
		}
	}

	private long czxid(String name, String node) throws InterruptedException {
		Stat stat = call("read the node of", name, () -> this.client.checkExists().forPath(node));
		if (stat == null) {
			throw new LockBackendUnavailableException(
					"The queue node of lock '" + name + "' is gone: the ZooKeeper session expired while acquiring");
		}
		return stat.getCzxid();
	}

	private void hold(HoldKey key, String node, Duration leaseTime, long generation) {
		Hold hold = new Hold(node);
		synchronized (this.connectionMonitor) {
			checkGeneration(key.name(), generation);
			this.holds.put(key, hold);
		}
		synchronized (hold) {
			scheduleExpiry(key, hold, leaseTime);
		}
	}

	/** Runs with the monitor of {@code hold}; the generation lets a replaced deletion know it is stale. */
	private void scheduleExpiry(HoldKey key, Hold hold, Duration leaseTime) {
		cancelExpiry(hold);
		long generation = hold.generation;
		hold.expiry = this.scheduler.schedule(() -> expire(key, hold, generation), leaseTime.toNanos(),
				TimeUnit.NANOSECONDS);
	}

	private void expire(HoldKey key, Hold hold, long generation) {
		synchronized (hold) {
			if (hold.generation != generation || !this.holds.remove(key, hold)) {
				return;
			}
		}
		deleteInBackground(hold.node);
	}

	private void cancelExpiry(Hold hold) {
		synchronized (hold) {
			hold.generation++;
			if (hold.expiry != null) {
				hold.expiry.cancel(false);
			}
		}
	}

	private void connectionChanged(ConnectionState state) {
		if (state == ConnectionState.SUSPENDED) {
			abandonHolds("the connection to ZooKeeper was suspended; the session and its lock nodes may be gone");
		}
		else if (state == ConnectionState.LOST) {
			abandonHolds("the ZooKeeper session was lost");
		}
		else if (state.isConnected()) {
			scheduleSweep();
		}
	}

	/**
	 * Curator does not end holds itself when the connection goes (curator #727, #1121: two holders after a
	 * reconnect), so every hold is reported lost at the first sign of trouble.
	 */
	private void abandonHolds(String reason) {
		Map<HoldKey, Hold> abandoned = new LinkedHashMap<>();
		synchronized (this.connectionMonitor) {
			this.connectionGeneration++;
			this.holds.forEach((key, hold) -> {
				if (this.holds.remove(key, hold)) {
					abandoned.put(key, hold);
				}
			});
		}
		this.waiters.forEach(CountDownLatch::countDown);
		if (!abandoned.isEmpty()) {
			logger.warn("Reporting " + abandoned.size() + " ZooKeeper lock(s) lost because " + reason
					+ "; their nodes are deleted once ZooKeeper answers again");
		}
		abandoned.forEach((key, hold) -> {
			cancelExpiry(hold);
			// A surviving session would keep the node, and so the lock, away from everyone else.
			deleteInBackground(hold.node);
			try {
				this.lossCallback.lost(key.name(), key.owner(), reason);
			}
			catch (RuntimeException ex) {
				logger.warn("Lock loss callback failed for lock '" + key.name() + "'", ex);
			}
		});
	}

	private long connectionGeneration() {
		synchronized (this.connectionMonitor) {
			return this.connectionGeneration;
		}
	}

	private void checkGeneration(String name, long generation) {
		if (connectionGeneration() != generation) {
			throw new LockBackendUnavailableException("The connection to ZooKeeper was suspended or lost while lock '"
					+ name + "' was being acquired; the attempt is given up");
		}
	}

	private void scheduleSweep() {
		if (this.uncertainCreates.isEmpty()) {
			return;
		}
		try {
			this.scheduler.execute(this::sweepUncertainCreates);
		}
		catch (RejectedExecutionException ex) {
			logger.debug("Backend closed: nodes of failed creates go when the session ends", ex);
		}
	}

	/** Deletes the nodes of failed creates; an attempt id in the data tells them from every other node. */
	private void sweepUncertainCreates() {
		for (Attempt attempt : this.uncertainCreates) {
			try {
				for (String child : this.client.getChildren().forPath(attempt.queue())) {
					String node = ZKPaths.makePath(attempt.queue(), child);
					if (Arrays.equals(dataOrNull(node), attempt.data())) {
						this.client.delete().quietly().guaranteed().forPath(node);
					}
				}
				this.uncertainCreates.remove(attempt);
			}
			catch (KeeperException.NoNodeException ex) {
				this.uncertainCreates.remove(attempt);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				return;
			}
			catch (Exception ex) {
				logger.debug("Sweeping " + attempt.queue() + " failed; retried at the next reconnection", ex);
			}
		}
	}

	private byte[] dataOrNull(String node) throws Exception {
		try {
			return this.client.getData().forPath(node);
		}
		catch (KeeperException.NoNodeException ex) {
			return null;
		}
	}

	/** Guaranteed: Curator retries it until ZooKeeper confirms, across reconnections of the same session. */
	private void deleteInBackground(String node) {
		try {
			this.client.delete().quietly().guaranteed().inBackground().forPath(node);
		}
		catch (Exception ex) {
			logger.debug("Could not delete " + node + "; it goes when the session ends", ex);
		}
	}

	private void awaitConnection(String name) throws InterruptedException {
		CuratorZookeeperClient zookeeper = this.client.getZookeeperClient();
		int timeout = zookeeper.getConnectionTimeoutMs();
		if (!zookeeper.isConnected() && !this.client.blockUntilConnected(timeout, TimeUnit.MILLISECONDS)) {
			throw new LockBackendUnavailableException("ZooKeeper is not reachable at "
					+ zookeeper.getCurrentConnectionString() + ": no connection within " + timeout + " ms to acquire lock '"
					+ name + "'");
		}
	}

	private static <T> T call(String action, String name, ZooKeeperCall<T> call) throws InterruptedException {
		try {
			return call.call();
		}
		catch (InterruptedException ex) {
			throw interruption(ex);
		}
		catch (Exception ex) {
			throw unavailable(action, name, ex);
		}
	}

	/** Curator sets the interrupt flag again; as in the JDK, the exception alone reports the interrupt. */
	private static InterruptedException interruption(InterruptedException ex) {
		Thread.interrupted();
		return ex;
	}

	/** For renew and release, which must work from a thread interrupted while it held the lock. */
	private static <T> T callUninterruptibly(String action, String name, ZooKeeperCall<T> call) {
		boolean interrupted = Thread.interrupted();
		try {
			return call(action, name, call);
		}
		catch (InterruptedException ex) {
			interrupted = true;
			throw unavailable(action, name, ex);
		}
		finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

	private static LockBackendUnavailableException unavailable(String action, String name, Exception ex) {
		return new LockBackendUnavailableException("ZooKeeper failed to " + action + " lock '" + name + "': " + ex, ex);
	}

	private static boolean isQueueNode(String child) {
		int sequenceStart = child.length() - SEQUENCE_DIGITS;
		return sequenceStart >= NODE_NAME.length() && child.startsWith(NODE_NAME, sequenceStart - NODE_NAME.length());
	}

	private static String sequence(String child) {
		return child.substring(child.length() - SEQUENCE_DIGITS);
	}

	private static String segment(String name) {
		byte[] bytes = name.getBytes(StandardCharsets.UTF_8);
		StringBuilder segment = new StringBuilder(bytes.length);
		for (int i = 0; i < bytes.length; i++) {
			int b = bytes[i] & 0xFF;
			// A leading dot is escaped so that "." and ".." never name a path segment.
			boolean plain = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '-'
					|| b == '_' || (b == '.' && i > 0);
			if (plain) {
				segment.append((char) b);
			}
			else {
				segment.append('%').append(HEX[b >> 4]).append(HEX[b & 0xF]);
			}
		}
		return segment.toString();
	}

	private static String validBasePath(String basePath) {
		Assert.hasText(basePath, "Base path must not be empty");
		try {
			PathUtils.validatePath(basePath);
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException("Base path '" + basePath + "' is not a valid ZooKeeper path: "
					+ ex.getMessage(), ex);
		}
		Assert.isTrue(!"/".equals(basePath), "Base path must not be '/': the locks need a parent node of their own");
		return basePath;
	}

	@FunctionalInterface
	private interface ZooKeeperCall<T> {

		T call() throws Exception;

	}

	private record HoldKey(String name, String owner) {
	}

	/** One create of a queue node: the queue and the data that tells the node apart from every other. */
	private record Attempt(String queue, String id) {

		byte[] data() {
			return this.id.getBytes(StandardCharsets.UTF_8);
		}

	}

	/** One hold of this backend; its monitor guards the scheduled deletion. */
	private static final class Hold {

		final String node;

		long generation;

		ScheduledFuture<?> expiry;

		Hold(String node) {
			this.node = node;
		}

	}

}
