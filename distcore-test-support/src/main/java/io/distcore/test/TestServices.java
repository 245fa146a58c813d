package io.distcore.test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.apache.curator.test.TestingCluster;
import org.apache.curator.test.TestingServer;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.mariadb.MariaDBContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;

/**
 * Hands tests real services. Each service is looked for in three places, in order:
 * <ol>
 * <li>a local server at the address named by an environment variable, or the machine's default;</li>
 * <li>a Testcontainers container, when a Docker engine answers;</li>
 * <li>nowhere: the call throws {@link ServiceUnavailableException} saying what to start, so a test
 * never passes or skips silently without its backend.</li>
 * </ol>
 * Results are cached for the JVM; containers are stopped by Testcontainers' reaper when it exits.
 *
 * <table>
 * <caption>Environment variables</caption>
 * <tr><td>{@code DISTCORE_TEST_REDIS}</td><td>host:port of the primary Redis, default {@code 127.0.0.1:6379}</td></tr>
 * <tr><td>{@code DISTCORE_TEST_REDLOCK}</td><td>comma-separated host:port of the RedLock group, default
 * {@code 127.0.0.1:6380..6384}</td></tr>
 * <tr><td>{@code DISTCORE_TEST_POSTGRES_URL}, {@code _USER}, {@code _PASSWORD}</td><td>default
 * {@code jdbc:postgresql://127.0.0.1:5432/test}, {@code postgres}, empty</td></tr>
 * <tr><td>{@code DISTCORE_TEST_MARIADB_URL}, {@code _USER}, {@code _PASSWORD}</td><td>default
 * {@code jdbc:mariadb://127.0.0.1:3306/test}, {@code root}, empty</td></tr>
 * </table>
 * ZooKeeper always runs inside the test JVM through {@code curator-test}.
 */
public final class TestServices {

	/** Independent Redis servers the RedLock tests expect. */
	public static final int REDLOCK_NODES = 5;

	private static final Map<String, Object> cache = new ConcurrentHashMap<>();

	private TestServices() {
	}

	/**
	 * The primary Redis server.
	 * @return an endpoint that answered PING
	 */
	public static RedisEndpoint redis() {
		return cached("redis", () -> {
			String address = env("DISTCORE_TEST_REDIS", "127.0.0.1:6379");
			return redisAt(address, "DISTCORE_TEST_REDIS", "redis-server --daemonize yes --bind 127.0.0.1 --port " + port(address)
					+ " --save \"\" --appendonly no");
		});
	}

	/**
	 * The independent Redis servers of the RedLock group.
	 * @return {@value #REDLOCK_NODES} endpoints that each answered PING
	 */
	public static List<RedisEndpoint> redlockNodes() {
		return cached("redlock", () -> {
			String configured = env("DISTCORE_TEST_REDLOCK",
					"127.0.0.1:6380,127.0.0.1:6381,127.0.0.1:6382,127.0.0.1:6383,127.0.0.1:6384");
			List<RedisEndpoint> nodes = new ArrayList<>();
			for (String address : configured.split(",")) {
				nodes.add(redisAt(address.trim(), "DISTCORE_TEST_REDLOCK", "redis-server --daemonize yes --bind 127.0.0.1 --port "
						+ port(address.trim()) + " --save \"\" --appendonly no (or bash .ci/run, which starts all of them)"));
			}
			return List.copyOf(nodes);
		});
	}

	/**
	 * PostgreSQL.
	 * @return an endpoint that answered {@code select 1}
	 */
	public static JdbcEndpoint postgres() {
		return cached("postgres", () -> {
			JdbcEndpoint local = new JdbcEndpoint("postgresql",
					env("DISTCORE_TEST_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:5432/test"),
					env("DISTCORE_TEST_POSTGRES_USER", "postgres"), env("DISTCORE_TEST_POSTGRES_PASSWORD", ""));
			if (answers(local)) {
				return local;
			}
			if (dockerAvailable()) {
				PostgreSQLContainer container = new PostgreSQLContainer("postgres:16-alpine");
				container.start();
				return new JdbcEndpoint("postgresql", container.getJdbcUrl(), container.getUsername(),
						container.getPassword());
			}
			throw unavailable("PostgreSQL", local.url(),
					"pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start", "DISTCORE_TEST_POSTGRES_URL");
		});
	}

	/**
	 * MariaDB (standing in for MySQL too).
	 * @return an endpoint that answered {@code select 1}
	 */
	public static JdbcEndpoint mariadb() {
		return cached("mariadb", () -> {
			JdbcEndpoint local = new JdbcEndpoint("mariadb",
					env("DISTCORE_TEST_MARIADB_URL", "jdbc:mariadb://127.0.0.1:3306/test"),
					env("DISTCORE_TEST_MARIADB_USER", "root"), env("DISTCORE_TEST_MARIADB_PASSWORD", ""));
			if (answers(local)) {
				return local;
			}
			if (dockerAvailable()) {
				MariaDBContainer container = new MariaDBContainer("mariadb:11");
				container.start();
				return new JdbcEndpoint("mariadb", container.getJdbcUrl(), container.getUsername(),
						container.getPassword());
			}
			throw unavailable("MariaDB", local.url(),
					"start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd", "DISTCORE_TEST_MARIADB_URL");
		});
	}

	/**
	 * An in-memory H2 database, private to the given name and kept open until the JVM exits.
	 * @param name database name; tests pass a unique one
	 * @return an endpoint that answered {@code select 1}
	 */
	public static JdbcEndpoint h2(String name) {
		JdbcEndpoint endpoint = new JdbcEndpoint("h2", "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1", "sa", "");
		if (!answers(endpoint)) {
			throw new ServiceUnavailableException("H2 did not open " + endpoint.url() + ": is com.h2database:h2 on the test classpath?");
		}
		return endpoint;
	}

	/**
	 * A ZooKeeper server shared by the tests of this JVM.
	 * @return a started server
	 */
	public static TestingServer zookeeper() {
		return cached("zookeeper", () -> {
			try {
				return new TestingServer(true);
			}
			catch (Exception ex) {
				throw new ServiceUnavailableException("curator-test could not start an in-JVM ZooKeeper server: " + ex, ex);
			}
		});
	}

	/**
	 * A new ZooKeeper ensemble whose members the caller may stop and restart; the caller closes it.
	 * @param size number of members
	 * @return a started ensemble
	 */
	public static TestingCluster zookeeperCluster(int size) {
		TestingCluster cluster = new TestingCluster(size);
		try {
			cluster.start();
		}
		catch (Exception ex) {
			throw new ServiceUnavailableException("curator-test could not start a " + size + "-member ZooKeeper ensemble: " + ex, ex);
		}
		return cluster;
	}

	private static RedisEndpoint redisAt(String address, String variable, String startCommand) {
		String host = address.substring(0, address.lastIndexOf(':'));
		int port = port(address);
		if (redisAnswers(host, port)) {
			return new RedisEndpoint(host, port);
		}
		if (dockerAvailable()) {
			GenericContainer<?> container = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379)
				.withCommand("redis-server", "--save", "", "--appendonly", "no");
			container.start();
			return new RedisEndpoint(container.getHost(), container.getMappedPort(6379));
		}
		throw unavailable("Redis", address, startCommand, variable);
	}

	private static int port(String address) {
		return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
	}

	/** PING over a raw socket, so a missing server is told apart from a client misconfiguration. */
	private static boolean redisAnswers(String host, int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(host, port), 1_000);
			socket.setSoTimeout(2_000);
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] reply = new byte[7];
			int read = in.readNBytes(reply, 0, 7);
			return read == 7 && new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
		}
		catch (IOException ex) {
			return false;
		}
	}

	private static boolean answers(JdbcEndpoint endpoint) {
		DriverManager.setLoginTimeout(3);
		try (Connection connection = DriverManager.getConnection(endpoint.url(), endpoint.username(), endpoint.password())) {
			return connection.createStatement().executeQuery("select 1").next();
		}
		catch (SQLException ex) {
			return false;
		}
	}

	private static boolean dockerAvailable() {
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (RuntimeException | LinkageError ex) {
			return false;
		}
	}

	private static ServiceUnavailableException unavailable(String service, String address, String startCommand, String variable) {
		return new ServiceUnavailableException(service + " is not reachable at " + address
				+ " and no Docker engine is available for Testcontainers. Start it with: " + startCommand
				+ " -- or point " + variable + " at a running server.");
	}

	private static String env(String name, String fallback) {
		String value = System.getenv(name);
		return (value == null || value.isBlank()) ? fallback : value;
	}

	@SuppressWarnings("unchecked")
	/**
	 * A local port nothing listens on (just released by the operating system), for a server that is down.
	 * @return the port
	 */
	public static int unusedPort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static <T> T cached(String key, Supplier<T> supplier) {
		return (T) cache.computeIfAbsent(key, (ignored) -> supplier.get());
	}

}
