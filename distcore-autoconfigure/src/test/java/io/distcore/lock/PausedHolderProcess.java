package io.distcore.lock;

import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import ch.qos.logback.classic.Level;
import com.zaxxer.hikari.HikariDataSource;
import io.distcore.lock.jdbc.JdbcLockBackend;
import io.distcore.lock.redis.RedisLockBackend;
import io.distcore.lock.redlock.RedLockBackend;
import io.distcore.lock.zookeeper.ZooKeeperLockBackend;
import io.distcore.support.InstanceId;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.RedisEndpoint;
import io.lettuce.core.RedisURI;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.slf4j.LoggerFactory;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;

/**
 * One of the two processes of {@link LockProcessPauseTests}: takes one lock on one backend over and over, with
 * an explicit lease, until told to stop. Every hold is a critical section that logs itself to a table in
 * PostgreSQL (start and end from the database clock) and writes the protected resource through its fencing
 * token, so that the table, not this process, tells what happened.
 * <p>
 * Arguments are {@code key=value}: {@code backend} ({@code redis}, {@code redlock}, {@code zookeeper},
 * {@code jdbc}), {@code process} (this process's name in the log), {@code lock}, {@code lease} (ms),
 * {@code tables} (prefix of the tables {@link #createTables} made), {@code postgres-url}, {@code postgres-user},
 * {@code postgres-password}, and what the backend needs: {@code redis} (host:port), {@code redlock}
 * (comma-separated {@code redis://} URIs), {@code zookeeper} (connect string), {@code zookeeper-session}
 * (ms), {@code jdbc-table}, and {@code key-prefix} or {@code zookeeper-path}.
 * <p>
 * Standard input takes {@code pause} (the next hold waits for {@code go} once it has logged its start),
 * {@code go} and {@code stop} (no hold after the current one); its end means stop. Standard output reports
 * {@code READY}, {@code PAUSED <token>} while the paused hold waits for {@code go}, and
 * {@code DONE <token> <accepted> <lost>} after every hold; everything else this JVM prints goes to standard
 * error.
 */
final class PausedHolderProcess {

	/** Long enough to outwait a holder frozen for several leases, so that a wait that runs out is a failure. */
	private static final Duration WAIT = Duration.ofSeconds(30);

	/**
	 * Work inside each section, long against the gap between two holds of one process: a hold taken after
	 * waiting out the frozen one outlives the lease counted from the start of its wait by no more than that
	 * gap, so a registry that counts the lease from there reports it lost at unlock.
	 */
	private static final long WORK_MILLIS = 200;

	private PausedHolderProcess() {
	}

	public static void main(String[] args) throws Exception {
		PrintStream report = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
		System.setOut(System.err);
		((ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).setLevel(Level.INFO);
		Map<String, String> options = options(args);
		Deque<AutoCloseable> resources = new ArrayDeque<>();
		int exitCode = 1;
		try {
			Commands commands = Commands.readFrom(new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)));
			Map<Long, String> lostByListener = new ConcurrentHashMap<>();
			LockListener listener = new LockListener() {
				@Override
				public void lost(String backend, String lockName, long fencingToken, String reason) {
					lostByListener.put(fencingToken, reason);
				}
			};
			LockBackend backend = backend(options, resources);
			LockRegistry registry = new LockRegistry(InstanceId.generate(), List.of(backend), backend.name(),
					Duration.ofSeconds(30), List.of(listener));
			resources.push(registry);
			SectionLog log = new SectionLog(options);
			resources.push(log);
			NamedLock lock = registry.getLock(options.get("lock"));
			Duration lease = Duration.ofMillis(Long.parseLong(options.get("lease")));
			// The first hold of a JVM opens connections and loads classes, which may take longer than a short lease
			// on a loaded machine: that is paid here, on another lock and with a long lease.
			NamedLock warmUp = registry.getLock(options.get("lock") + "-warm-up");
			if (!warmUp.tryLock(WAIT, WAIT)) {
				throw new IllegalStateException("No hold of '" + warmUp.name() + "' within " + WAIT);
			}
			warmUp.unlock();
			report.println("READY");
			while (!commands.stopped()) {
				try {
					if (!lock.tryLock(WAIT, lease)) {
						throw new IllegalStateException("No hold of '" + lock.name() + "' within " + WAIT);
					}
				}
				catch (LockBackendUnavailableException ex) {
					// A thawed ZooKeeper client learns of its expired session while it queues again: that attempt is
					// given up (nothing held) and the next one runs on the new session.
					report.println("RETRY " + ex.getMessage());
					continue;
				}
				long token = lock.fencingToken();
				boolean paused = commands.pauseRequested();
				long section = log.enter(token, paused);
				if (paused) {
					report.println("PAUSED " + token);
					commands.awaitGo();
				}
				else {
					Thread.sleep(WORK_MILLIS);
				}
				boolean accepted = log.write(section, token);
				String lost = null;
				try {
					lock.unlock();
				}
				catch (LockLostException ex) {
					lost = ex.getMessage();
				}
				if (lost == null) {
					lost = lostByListener.get(token);
				}
				log.leave(section, lost);
				report.println("DONE " + token + " " + accepted + " " + (lost != null));
				// Lets the other process in between two holds of this one.
				Thread.sleep(ThreadLocalRandom.current().nextLong(20, 60));
			}
			// A listener may have heard of a loss after the hold's unlock returned.
			for (Map.Entry<Long, String> lost : lostByListener.entrySet()) {
				log.lateLoss(lost.getKey(), lost.getValue());
			}
			exitCode = 0;
		}
		catch (Throwable ex) {
			ex.printStackTrace();
		}
		finally {
			while (!resources.isEmpty()) {
				try {
					resources.pop().close();
				}
				catch (Exception ex) {
					ex.printStackTrace();
				}
			}
		}
		// Lettuce's and Curator's threads would keep the JVM alive.
		System.exit(exitCode);
	}

	/**
	 * Creates the tables of one run: the fenced resource, one row whose token only a larger token may replace, and
	 * the section log.
	 * @param connection a connection to PostgreSQL
	 * @param prefix prefix of the table names, unique per run
	 * @throws SQLException if PostgreSQL refuses
	 */
	static void createTables(Connection connection, String prefix) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute("CREATE TABLE " + prefix + "_resource (id int PRIMARY KEY, token bigint NOT NULL, holder text)");
			statement.execute("INSERT INTO " + prefix + "_resource VALUES (1, " + Long.MIN_VALUE + ", NULL)");
			statement.execute("CREATE TABLE " + prefix + "_section (id bigserial PRIMARY KEY, process text NOT NULL, "
					+ "token bigint NOT NULL, paused boolean NOT NULL, started_at timestamptz NOT NULL, "
					+ "ended_at timestamptz, accepted boolean, lost_reported boolean, lost_reason text)");
		}
	}

	/**
	 * Drops the tables {@link #createTables} made.
	 * @param connection a connection to PostgreSQL
	 * @param prefix prefix of the table names
	 * @throws SQLException if PostgreSQL refuses
	 */
	static void dropTables(Connection connection, String prefix) throws SQLException {
		try (Statement statement = connection.createStatement()) {
			statement.execute("DROP TABLE IF EXISTS " + prefix + "_resource, " + prefix + "_section");
		}
	}

	private static Map<String, String> options(String[] args) {
		Map<String, String> options = new LinkedHashMap<>();
		for (String arg : args) {
			int equals = arg.indexOf('=');
			options.put(arg.substring(0, equals), arg.substring(equals + 1));
		}
		return options;
	}

	private static LockBackend backend(Map<String, String> options, Deque<AutoCloseable> resources) throws Exception {
		switch (options.get("backend")) {
			case "redis" -> {
				String[] address = options.get("redis").split(":");
				LettuceConnectionFactory factory = new RedisEndpoint(address[0], Integer.parseInt(address[1]))
					.connectionFactory();
				resources.push(factory::destroy);
				RedisLockBackend backend = new RedisLockBackend(factory, options.get("key-prefix"));
				resources.push(backend);
				return backend;
			}
			case "redlock" -> {
				List<RedisURI> nodes = Arrays.stream(options.get("redlock").split(",")).map(RedisURI::create).toList();
				// As in the RedLock torture test: a shared 2-core machine answers slower than a production network.
				RedLockBackend backend = new RedLockBackend(nodes, Duration.ofMillis(250), Duration.ofMillis(200),
						options.get("key-prefix"));
				resources.push(backend);
				return backend;
			}
			case "zookeeper" -> {
				CuratorFramework client = CuratorFrameworkFactory.builder()
					.connectString(options.get("zookeeper"))
					.sessionTimeoutMs(Integer.parseInt(options.get("zookeeper-session")))
					.connectionTimeoutMs(5_000)
					.retryPolicy(new ExponentialBackoffRetry(100, 3))
					.build();
				client.start();
				resources.push(client);
				if (!client.blockUntilConnected(30, TimeUnit.SECONDS)) {
					throw new IllegalStateException("No connection to ZooKeeper at " + options.get("zookeeper"));
				}
				ZooKeeperLockBackend backend = new ZooKeeperLockBackend(client, options.get("zookeeper-path"));
				resources.push(backend);
				return backend;
			}
			case "jdbc" -> {
				HikariDataSource dataSource = postgres(options).dataSource(4);
				resources.push(dataSource);
				return new JdbcLockBackend(dataSource, options.get("jdbc-table"), Duration.ofMillis(10),
						Duration.ofMillis(200), Duration.ofSeconds(5));
			}
			default -> throw new IllegalArgumentException("Unknown backend " + options.get("backend"));
		}
	}

	private static JdbcEndpoint postgres(Map<String, String> options) {
		return new JdbcEndpoint("postgresql", options.get("postgres-url"), options.get("postgres-user"),
				options.get("postgres-password"));
	}

	/** What the parent says on standard input. */
	private static final class Commands {

		private final Semaphore go = new Semaphore(0);

		private final AtomicBoolean pause = new AtomicBoolean();

		private volatile boolean stopped;

		static Commands readFrom(BufferedReader input) {
			Commands commands = new Commands();
			Thread reader = new Thread(() -> {
				try {
					String line;
					while ((line = input.readLine()) != null && !line.equals("stop")) {
						if (line.equals("pause")) {
							commands.pause.set(true);
						}
						else if (line.equals("go")) {
							commands.go.release();
						}
					}
				}
				catch (IOException ex) {
					// The parent is gone: stop as at the end of input.
				}
				commands.stopped = true;
				commands.go.release();
			}, "commands");
			reader.setDaemon(true);
			reader.start();
			return commands;
		}

		boolean stopped() {
			return this.stopped;
		}

		/** Whether a pause was asked for since the last call. */
		boolean pauseRequested() {
			return this.pause.getAndSet(false);
		}

		void awaitGo() throws InterruptedException {
			this.go.acquire();
		}

	}

	/**
	 * The section log and the fenced resource, written on a connection of its own. Times come from the database
	 * clock, the one clock both processes share.
	 */
	private static final class SectionLog implements AutoCloseable {

		private final Connection connection;

		private final String process;

		private final String sections;

		private final String resource;

		SectionLog(Map<String, String> options) throws SQLException {
			JdbcEndpoint postgres = postgres(options);
			this.connection = DriverManager.getConnection(postgres.url(), postgres.username(), postgres.password());
			this.process = options.get("process");
			this.sections = options.get("tables") + "_section";
			this.resource = options.get("tables") + "_resource";
		}

		long enter(long token, boolean paused) throws SQLException {
			try (PreparedStatement insert = this.connection.prepareStatement("INSERT INTO " + this.sections
					+ " (process, token, paused, started_at) VALUES (?, ?, ?, clock_timestamp()) RETURNING id")) {
				insert.setString(1, this.process);
				insert.setLong(2, token);
				insert.setBoolean(3, paused);
				try (ResultSet id = insert.executeQuery()) {
					id.next();
					return id.getLong(1);
				}
			}
		}

		/**
		 * Writes the resource if no larger or equal token wrote it before, and ends the section in the same
		 * transaction: the end time is taken after the resource row's lock, so accepted writes end in the order
		 * they were applied.
		 */
		boolean write(long section, long token) throws SQLException {
			this.connection.setAutoCommit(false);
			try (PreparedStatement fenced = this.connection
				.prepareStatement("UPDATE " + this.resource + " SET token = ?, holder = ? WHERE id = 1 AND token < ?");
					PreparedStatement end = this.connection.prepareStatement(
							"UPDATE " + this.sections + " SET accepted = ?, ended_at = clock_timestamp() WHERE id = ?")) {
				fenced.setLong(1, token);
				fenced.setString(2, this.process);
				fenced.setLong(3, token);
				boolean accepted = fenced.executeUpdate() == 1;
				end.setBoolean(1, accepted);
				end.setLong(2, section);
				end.executeUpdate();
				this.connection.commit();
				return accepted;
			}
			finally {
				this.connection.setAutoCommit(true);
			}
		}

		void leave(long section, String lostReason) throws SQLException {
			try (PreparedStatement update = this.connection.prepareStatement(
					"UPDATE " + this.sections + " SET lost_reported = ?, lost_reason = ? WHERE id = ?")) {
				update.setBoolean(1, lostReason != null);
				update.setString(2, lostReason);
				update.setLong(3, section);
				update.executeUpdate();
			}
		}

		void lateLoss(long token, String reason) throws SQLException {
			try (PreparedStatement update = this.connection.prepareStatement("UPDATE " + this.sections
					+ " SET lost_reported = true, lost_reason = coalesce(lost_reason, ?) WHERE process = ? AND token = ?")) {
				update.setString(1, "told after its unlock: " + reason);
				update.setString(2, this.process);
				update.setLong(3, token);
				update.executeUpdate();
			}
		}

		@Override
		public void close() throws SQLException {
			this.connection.close();
		}

	}

}
