package io.distcore.benchmarks.lock;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import javax.sql.DataSource;

/**
 * Counts the round trips of each contender of the lock benchmarks, a figure the machine's load cannot move:
 * Redis commands clients send (from the {@code MONITOR} feed of a server nobody else uses), JDBC calls that reach
 * PostgreSQL (statements, commits, rollbacks, auto-commit changes and validity checks, counted by a proxy under
 * each pool, so the pool's own calls count too) and ZooKeeper requests (the delta of the server's received
 * packets, read with the {@code srvr} command). {@code uncontended}: one thread, acquire + release on a lock of
 * its own; {@code contended}: four threads on one lock, per acquire + release, that is per hand-over.
 * <p>
 * Run by {@code run-round-trip-counts.sh}, which starts the private Redis server and passes its port in
 * {@code distcore.bench.redis.port}.
 */
public final class RoundTripCounts {

	private static final int OPERATIONS = 400;

	private static final int WARMUP = 40;

	private static final Pattern SRVR_RECEIVED = Pattern.compile("Received: (\\d+)");

	private RoundTripCounts() {
	}

	public static void main(String[] args) throws Exception {
		// The in-JVM ZooKeeper server answers four-letter words only when they are allowed before it starts.
		System.setProperty("zookeeper.4lw.commands.whitelist", "srvr");
		JdbcCalls jdbcCalls = new JdbcCalls();
		LockBenchmarks.driverWrapper = jdbcCalls::wrap;
		List<String> rows = new ArrayList<>();
		rows.add("| Family | Contender | uncontended, per acquire + release | contended (4 threads), per hand-over |");
		rows.add("|---|---|---|---|");
		redis(rows);
		jdbc(rows, jdbcCalls);
		zooKeeper(rows);
		rows.forEach(System.out::println);
	}

	private static void redis(List<String> rows) throws Exception {
		try (RedisCommands commands = new RedisCommands(LockBenchmarks.REDIS_HOST, LockBenchmarks.REDIS_PORT)) {
			RedisLockBenchmark.Distcore distcore = new RedisLockBenchmark.Distcore();
			distcore.setUp();
			rows.add(row("Redis", "**distcore**", commands, distcore::lockUnlock));
			distcore.tearDown();
			RedisLockBenchmark.Distcore releaseThenAcquire = new RedisLockBenchmark.Distcore(false);
			releaseThenAcquire.setUp();
			rows.add(row("Redis", "distcore, release + acquire (no hand-over SPI)", commands,
					releaseThenAcquire::lockUnlock));
			releaseThenAcquire.tearDown();
			RedisLockBenchmark.RedissonLocks redisson = new RedisLockBenchmark.RedissonLocks();
			redisson.setUp();
			rows.add(row("Redis", "Redisson", commands, redisson::lockUnlock));
			redisson.tearDown();
			RedisLockBenchmark.SpringIntegrationSpin spin = new RedisLockBenchmark.SpringIntegrationSpin();
			spin.setUp();
			rows.add(row("Redis", "Spring Integration (spin)", commands, spin::lockUnlock));
			spin.tearDown();
			RedisLockBenchmark.SpringIntegrationPubSub pubSub = new RedisLockBenchmark.SpringIntegrationPubSub();
			pubSub.setUp();
			rows.add(row("Redis", "Spring Integration (pub/sub)", commands, pubSub::lockUnlock));
			pubSub.tearDown();
		}
	}

	private static void jdbc(List<String> rows, JdbcCalls calls) throws Exception {
		JdbcLockBenchmark.Distcore distcore = new JdbcLockBenchmark.Distcore();
		distcore.setUp();
		rows.add(row("PostgreSQL", "**distcore**", calls, distcore::lockUnlock));
		distcore.tearDown();
		JdbcLockBenchmark.Distcore releaseThenAcquire = new JdbcLockBenchmark.Distcore(false);
		releaseThenAcquire.setUp();
		rows.add(row("PostgreSQL", "distcore, release + acquire (no hand-over SPI)", calls,
				releaseThenAcquire::lockUnlock));
		releaseThenAcquire.tearDown();
		JdbcLockBenchmark.SpringIntegration springIntegration = new JdbcLockBenchmark.SpringIntegration();
		springIntegration.setUp();
		rows.add(row("PostgreSQL", "Spring Integration", calls, springIntegration::lockUnlock));
		springIntegration.tearDown();
		JdbcLockBenchmark.ShedLock shedLock = new JdbcLockBenchmark.ShedLock();
		shedLock.setUp();
		rows.add(row("PostgreSQL", "ShedLock", calls, shedLock::lockUnlock));
		shedLock.tearDown();
	}

	private static void zooKeeper(List<String> rows) throws Exception {
		ZooKeeperLockBenchmark.Distcore distcore = new ZooKeeperLockBenchmark.Distcore();
		distcore.startServer();
		rows.add(row("ZooKeeper", "**distcore**", () -> zooKeeperRequests(distcore.serverPort()), distcore::lockUnlock));
		distcore.stopServer();
		ZooKeeperLockBenchmark.Curator curator = new ZooKeeperLockBenchmark.Curator();
		curator.startServer();
		rows.add(row("ZooKeeper", "Curator", () -> zooKeeperRequests(curator.serverPort()), curator::lockUnlock));
		curator.stopServer();
	}

	/**
	 * One table row: warms the contender up, then counts its round trips over the uncontended and the contended
	 * scenario; the breakdown by command or call follows the total.
	 */
	private static String row(String family, String contender, Counter counter, Operation operation)
			throws Exception {
		run(1, WARMUP, "uncontended-warmup", operation);
		run(LockBenchmarks.CONTENDED_THREADS, WARMUP, LockBenchmarks.CONTENDED_KEY, operation);
		Map<String, Long> before = counter.read();
		run(1, OPERATIONS, "uncontended-1", operation);
		Map<String, Long> middle = counter.read();
		run(LockBenchmarks.CONTENDED_THREADS, OPERATIONS, LockBenchmarks.CONTENDED_KEY, operation);
		Map<String, Long> after = counter.read();
		return "| " + family + " | " + contender + " | " + perOperation(before, middle) + " | "
				+ perOperation(middle, after) + " |";
	}

	/** {@code operations} acquire + release in all, spread over {@code threads} threads on one lock name. */
	private static void run(int threads, int operations, String key, Operation operation) throws Exception {
		List<Thread> workers = new ArrayList<>();
		Map<Thread, Exception> failures = new ConcurrentHashMap<>();
		for (int i = 0; i < threads; i++) {
			Thread worker = new Thread(() -> {
				try {
					for (int n = 0; n < operations / threads; n++) {
						operation.lockUnlock(key);
					}
				}
				catch (Exception ex) {
					failures.put(Thread.currentThread(), ex);
				}
			});
			workers.add(worker);
			worker.start();
		}
		for (Thread worker : workers) {
			worker.join();
		}
		if (!failures.isEmpty()) {
			throw failures.values().iterator().next();
		}
	}

	private static String perOperation(Map<String, Long> before, Map<String, Long> after) {
		Map<String, Long> delta = new TreeMap<>();
		after.forEach((kind, count) -> {
			long difference = count - before.getOrDefault(kind, 0L);
			if (difference > 0) {
				delta.put(kind, difference);
			}
		});
		long total = delta.values().stream().mapToLong(Long::longValue).sum();
		StringBuilder cell = new StringBuilder("**").append(format(total)).append("**");
		if (!delta.isEmpty()) {
			cell.append(" (");
			delta.forEach((kind, count) -> cell.append(kind).append(' ').append(format(count)).append(", "));
			cell.setLength(cell.length() - 2);
			cell.append(')');
		}
		return cell.toString();
	}

	private static String format(long count) {
		return String.format("%.2f", (double) count / OPERATIONS);
	}

	/** Packets the ZooKeeper server received since it started: every request, session pings included. */
	private static Map<String, Long> zooKeeperRequests(int port) throws IOException {
		try (Socket socket = new Socket("127.0.0.1", port)) {
			OutputStream out = socket.getOutputStream();
			out.write("srvr".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			String reply = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
			Matcher received = SRVR_RECEIVED.matcher(reply);
			if (!received.find()) {
				throw new IllegalStateException("No packet count in the reply to srvr: " + reply);
			}
			return Map.of("requests", Long.parseLong(received.group(1)));
		}
	}

	/** One acquire + release of a contender. */
	@FunctionalInterface
	private interface Operation {

		void lockUnlock(String key) throws Exception;

	}

	/** Reads cumulative counts by kind. */
	@FunctionalInterface
	private interface Counter {

		Map<String, Long> read() throws Exception;

	}

	/**
	 * Counts the commands clients send to a Redis server, by name, from its {@code MONITOR} feed: commands a Lua
	 * script runs inside the server ({@code [0 lua]}) are no round trip and are left out, which neither
	 * {@code INFO commandstats} nor {@code total_commands_processed} can do. A read first sends a marker
	 * {@code ECHO} and waits until the feed shows it, so that every command sent before it is counted.
	 */
	static final class RedisCommands implements Counter, AutoCloseable {

		private static final Pattern CLIENT_COMMAND = Pattern.compile("^\\+[0-9.]+ \\[\\d+ [0-9.:]+\\] \"([^\"]+)\"");

		private final Socket monitor;

		private final Socket marker;

		private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();

		private final AtomicLong markersSeen = new AtomicLong();

		private long markersSent;

		RedisCommands(String host, int port) throws IOException {
			this.monitor = new Socket(host, port);
			this.marker = new Socket(host, port);
			this.monitor.getOutputStream().write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
			Thread reader = new Thread(this::readFeed, "redis-monitor");
			reader.setDaemon(true);
			reader.start();
		}

		@Override
		public Map<String, Long> read() throws IOException, InterruptedException {
			this.markersSent++;
			OutputStream out = this.marker.getOutputStream();
			out.write(("ECHO round-trip-count-marker\r\n").getBytes(StandardCharsets.US_ASCII));
			out.flush();
			while (this.markersSeen.get() < this.markersSent) {
				Thread.sleep(10);
			}
			Map<String, Long> snapshot = new TreeMap<>();
			this.calls.forEach((kind, count) -> snapshot.put(kind, count.sum()));
			return snapshot;
		}

		private void readFeed() {
			try (BufferedReader feed = new BufferedReader(
					new InputStreamReader(this.monitor.getInputStream(), StandardCharsets.UTF_8))) {
				for (String line = feed.readLine(); line != null; line = feed.readLine()) {
					Matcher command = CLIENT_COMMAND.matcher(line);
					if (line.contains("round-trip-count-marker")) {
						this.markersSeen.incrementAndGet();
					}
					else if (command.find()) {
						this.calls.computeIfAbsent(command.group(1).toLowerCase(Locale.ROOT), (kind) -> new LongAdder())
							.increment();
					}
				}
			}
			catch (IOException ex) {
				// The feed ends when the counter is closed.
			}
		}

		@Override
		public void close() throws IOException {
			this.monitor.close();
			this.marker.close();
		}

	}

	/**
	 * Counts the JDBC calls that reach the database, by the driver's method name, under every pool of the
	 * benchmarks; {@code setAutoCommit} and {@code isValid} are counted because each may send a statement.
	 */
	static final class JdbcCalls implements Counter {

		private static final List<String> COUNTED = List.of("execute", "executeQuery", "executeUpdate",
				"executeBatch", "commit", "rollback", "setAutoCommit", "isValid");

		private final Map<String, LongAdder> calls = new ConcurrentHashMap<>();

		@Override
		public Map<String, Long> read() {
			Map<String, Long> snapshot = new TreeMap<>();
			this.calls.forEach((kind, count) -> snapshot.put(kind, count.sum()));
			return snapshot;
		}

		DataSource wrap(DataSource driver) {
			return proxy(DataSource.class, driver);
		}

		private <T> T proxy(Class<T> type, Object target) {
			InvocationHandler handler = (proxy, method, args) -> invoke(target, method, args);
			return type.cast(Proxy.newProxyInstance(RoundTripCounts.class.getClassLoader(),
					interfaces(target, type), handler));
		}

		private Object invoke(Object target, Method method, Object[] args) throws Throwable {
			if (COUNTED.contains(method.getName())) {
				this.calls.computeIfAbsent(method.getName(), (kind) -> new LongAdder()).increment();
			}
			Object result;
			try {
				result = method.invoke(target, args);
			}
			catch (InvocationTargetException ex) {
				throw ex.getTargetException();
			}
			if (result instanceof Connection connection) {
				return proxy(Connection.class, connection);
			}
			if (result instanceof Statement statement) {
				return proxy(Statement.class, statement);
			}
			return result;
		}

		/** The driver's interfaces, so that a prepared or callable statement stays one behind the proxy. */
		private static Class<?>[] interfaces(Object target, Class<?> type) {
			List<Class<?>> interfaces = new ArrayList<>();
			for (Class<?> candidate = target.getClass(); candidate != null; candidate = candidate.getSuperclass()) {
				for (Class<?> implemented : candidate.getInterfaces()) {
					if (implemented.getName().startsWith("java.") || implemented.getName().startsWith("javax.")) {
						interfaces.add(implemented);
					}
				}
			}
			if (!interfaces.contains(type)) {
				interfaces.add(type);
			}
			return interfaces.stream().distinct().toArray(Class<?>[]::new);
		}

	}

}
