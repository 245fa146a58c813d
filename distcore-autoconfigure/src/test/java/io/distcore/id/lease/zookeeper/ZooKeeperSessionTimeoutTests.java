package io.distcore.id.lease.zookeeper;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import io.distcore.id.IdGenerationException;
import io.distcore.id.lease.ForwardingWorkerIdStore;
import io.distcore.id.lease.LeasedWorkerId;
import io.distcore.id.lease.WorkerIdLeaseException;
import io.distcore.id.lease.WorkerIdStore;
import io.distcore.id.snowflake.SnowflakeIdGenerator;
import io.distcore.id.snowflake.SnowflakeLayout;
import io.distcore.test.TcpProxy;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * A ZooKeeper server whose sessions are shorter than the lease ttl (tickTime 200 ms, maxSessionTimeout 2 s): the
 * server deletes a lease node when the session expires, whatever the ttl says, so the lease must end before that.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ZooKeeperSessionTimeoutTests {

	private static final int MAX_SESSION_MILLIS = 2_000;

	private static final SnowflakeLayout ONE_SLOT = new SnowflakeLayout(SnowflakeLayout.DEFAULT_EPOCH, 51, 0, 0, 12);

	private static final Duration TTL = Duration.ofSeconds(6);

	private final String path = "/distcore-test/short-session-" + UUID.randomUUID();

	private final TestingServer server = startServer();

	private final TcpProxy proxy = proxy(this.server);

	private final CuratorFramework direct = client(this.server.getConnectString());

	@AfterEach
	void stop() throws Exception {
		this.direct.close();
		this.proxy.close();
		this.server.close();
	}

	@Test
	void aProcessCutOffFromZooKeeperStopsIssuingIdsBeforeAnotherCanClaimItsSlot() throws Exception {
		CuratorFramework cutOff = client("127.0.0.1:" + this.proxy.port());
		try {
			assertThat(cutOff.getZookeeperClient().getZooKeeper().getSessionTimeout()).isEqualTo(MAX_SESSION_MILLIS);
			// Deaf to connection events, as a paused process is: its generator may run before its event thread.
			LeasedWorkerId lease = LeasedWorkerId.lease(new NoLossEvents(new ZooKeeperWorkerIdStore(cutOff, this.path)),
					"a-" + UUID.randomUUID(), ONE_SLOT, TTL, Duration.ofMillis(500));
			SnowflakeIdGenerator generator = new SnowflakeIdGenerator(ONE_SLOT, lease, Clock.systemUTC(),
					Duration.ofMillis(5), false);
			try {
				generator.nextId();
				this.proxy.down();
				WorkerIdStore other = new ZooKeeperWorkerIdStore(this.direct, this.path);
				String otherOwner = "b-" + UUID.randomUUID();
				long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
				Optional<WorkerIdStore.Claim> claim = Optional.empty();
				while (claim.isEmpty()) {
					assertThat(System.nanoTime() - deadline).as("the session did not expire").isNegative();
					Thread.sleep(10);
					claim = other.claim(otherOwner, 1, TTL);
				}
				assertThat(lease.isValid()).as("lease still valid after another process claimed its slot").isFalse();
				assertThatExceptionOfType(IdGenerationException.class).isThrownBy(generator::nextId);
				other.close();
			}
			finally {
				lease.close();
			}
		}
		finally {
			cutOff.close();
		}
	}

	@Test
	void aHeartbeatTooSlowForTheNegotiatedSessionIsRefusedAndFreesTheSlot() throws Exception {
		assertThatExceptionOfType(WorkerIdLeaseException.class)
			.isThrownBy(() -> LeasedWorkerId.lease(new ZooKeeperWorkerIdStore(this.direct, this.path),
					"slow-" + UUID.randomUUID(), ONE_SLOT, TTL, Duration.ofSeconds(1)))
			.withMessageContaining("session timeout")
			.withMessageContaining("distcore.id.snowflake.lease.heartbeat")
			.withMessageContaining("distcore.zookeeper.session-timeout");
		assertThat(this.direct.checkExists().forPath(this.path + "/0")).as("the refused claim was released").isNull();
	}

	private static TestingServer startServer() {
		try {
			InstanceSpec spec = new InstanceSpec(null, -1, -1, -1, true, -1, 200, -1,
					Map.of("maxSessionTimeout", Integer.toString(MAX_SESSION_MILLIS)));
			return new TestingServer(spec, true);
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static TcpProxy proxy(TestingServer server) {
		try {
			return new TcpProxy("127.0.0.1", server.getPort());
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** Asks for a 30 s session; the server grants at most its maxSessionTimeout. */
	private static CuratorFramework client(String connectString) {
		return ZooKeeperWorkerIdStoreTests.newClient(connectString, 30_000);
	}

	/** A store whose loss events never arrive. */
	private static final class NoLossEvents extends ForwardingWorkerIdStore {

		NoLossEvents(WorkerIdStore store) {
			super(store);
		}

		@Override
		public void onLoss(Runnable callback) {
		}

	}

}
