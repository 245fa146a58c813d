package io.distcore.id.lease;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.id.IdGenerationException;
import io.distcore.id.lease.jdbc.JdbcWorkerIdStore;
import io.distcore.id.lease.redis.RedisWorkerIdStore;
import io.distcore.id.lease.zookeeper.ZooKeeperWorkerIdStore;
import io.distcore.id.snowflake.SnowflakeIdGenerator;
import io.distcore.id.snowflake.SnowflakeLayout;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * One process of {@link OneWorkerSlotTwoProcessesTests}: leases the only worker id of a one-slot layout (trying
 * until it is free), then issues about ten ids per millisecond (every millisecond starting at sequence 0, so two holders
 * of the slot would repeat each other's ids at once) and writes every id it issued to a file, until its standard
 * input closes. Prints {@code WAITING} when it first finds the slot held, {@code ISSUING} once its first ids
 * were issued, and {@code DONE <count>} at the end.
 * <p>
 * Arguments: backend ({@code zookeeper}, {@code redis} or {@code jdbc}), address (connect string, host:port or
 * JDBC URL), namespace (path, key prefix or table), ids file, ttl and heartbeat (ISO-8601 durations).
 */
public final class WorkerSlotProcess {

	/** A single slot: both processes compete for the same worker id. */
	static final SnowflakeLayout ONE_SLOT = new SnowflakeLayout(SnowflakeLayout.DEFAULT_EPOCH, 51, 0, 0, 12);

	static final String ISSUING = "ISSUING";

	static final String WAITING = "WAITING";

	private static volatile boolean stopped;

	private WorkerSlotProcess() {
	}

	public static void main(String[] args) throws Exception {
		Thread stopper = new Thread(() -> {
			try {
				System.in.transferTo(OutputStream.nullOutputStream());
			}
			catch (IOException ex) {
				// Closed: stop as at the end of input.
			}
			stopped = true;
		});
		stopper.setDaemon(true);
		stopper.start();
		List<AutoCloseable> resources = new ArrayList<>();
		Supplier<WorkerIdStore> stores = stores(args[0], args[1], args[2], resources);
		LeasedWorkerId lease = lease(stores, Duration.parse(args[4]), Duration.parse(args[5]));
		if (lease == null) {
			close(resources);
			System.out.println("DONE 0");
			return;
		}
		SnowflakeIdGenerator generator = new SnowflakeIdGenerator(ONE_SLOT, lease, Clock.systemUTC(),
				Duration.ofMillis(5), false);
		long count = 0;
		try (DataOutputStream ids = new DataOutputStream(
				new BufferedOutputStream(Files.newOutputStream(Path.of(args[3]))))) {
			while (!stopped) {
				try {
					for (int i = 0; i < 10; i++) {
						ids.writeLong(generator.nextId());
						count++;
					}
					if (count == 10) {
						System.out.println(ISSUING);
					}
				}
				catch (IdGenerationException ex) {
					// Not held any more: the heartbeat takes the slot back once it is free.
				}
				TimeUnit.MILLISECONDS.sleep(1);
			}
		}
		lease.close();
		close(resources);
		System.out.println("DONE " + count);
	}

	private static void close(List<AutoCloseable> resources) throws Exception {
		for (AutoCloseable resource : resources) {
			resource.close();
		}
	}

	/**
	 * Waits for the slot, or null once stopped: a lease attempt that finds it held closes its store, so each one
	 * gets a new store.
	 */
	private static LeasedWorkerId lease(Supplier<WorkerIdStore> stores, Duration ttl, Duration heartbeat)
			throws InterruptedException {
		String owner = "process-" + ProcessHandle.current().pid() + "-" + UUID.randomUUID();
		boolean waiting = false;
		while (!stopped) {
			try {
				return LeasedWorkerId.lease(stores.get(), owner, ONE_SLOT, ttl, heartbeat);
			}
			catch (WorkerIdLeaseException ex) {
				if (!waiting) {
					waiting = true;
					System.out.println(WAITING);
				}
				TimeUnit.MILLISECONDS.sleep(20);
			}
		}
		return null;
	}

	private static Supplier<WorkerIdStore> stores(String backend, String address, String namespace,
			List<AutoCloseable> resources) throws InterruptedException {
		switch (backend) {
			case "zookeeper" -> {
				CuratorFramework client = CuratorFrameworkFactory.builder()
					.connectString(address)
					.sessionTimeoutMs(30_000)
					.connectionTimeoutMs(1_000)
					.retryPolicy(new RetryOneTime(100))
					.build();
				client.start();
				client.blockUntilConnected(20, TimeUnit.SECONDS);
				resources.add(client);
				return () -> new ZooKeeperWorkerIdStore(client, namespace);
			}
			case "redis" -> {
				String[] hostAndPort = address.split(":");
				LettuceConnectionFactory factory = new LettuceConnectionFactory(
						new RedisStandaloneConfiguration(hostAndPort[0], Integer.parseInt(hostAndPort[1])),
						LettuceClientConfiguration.builder().commandTimeout(Duration.ofSeconds(1)).build());
				factory.afterPropertiesSet();
				factory.start();
				resources.add(factory::destroy);
				return () -> new RedisWorkerIdStore(factory, namespace);
			}
			case "jdbc" -> {
				HikariDataSource pool = new HikariDataSource();
				pool.setJdbcUrl(address);
				pool.setUsername(System.getProperty("distcore.test.jdbc.username"));
				pool.setPassword(System.getProperty("distcore.test.jdbc.password"));
				pool.setMaximumPoolSize(2);
				pool.setConnectionTimeout(1_000);
				resources.add(pool);
				return () -> new JdbcWorkerIdStore(pool, namespace);
			}
			default -> throw new IllegalArgumentException("Unknown backend " + backend);
		}
	}

}
