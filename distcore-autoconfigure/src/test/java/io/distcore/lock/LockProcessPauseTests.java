package io.distcore.lock;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.lock.jdbc.JdbcLockBackend;
import io.distcore.test.JavaProcess;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.RedisEndpoint;
import io.distcore.test.TestServices;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The process pause of Kleppmann's critique, for real, on every remote backend: two JVMs ({@link PausedHolderProcess})
 * take one lock in turn with a lease of {@value #LEASE_MILLIS} ms; one of them is frozen with {@code SIGSTOP}
 * inside a critical section for three leases and then thawed, while the other takes the lock over. Each
 * critical section logs itself to a PostgreSQL table, with start and end from the database clock, and writes a
 * resource row only if its fencing token is larger than the last one written. The table alone then shows that
 * accepted tokens only increase, that every two sections that overlapped did so only with the frozen one and the
 * token check rejected the older of the two, that the frozen holder was told it lost the lock, and that no hold
 * that was never frozen was reported lost.
 */
@Timeout(180)
class LockProcessPauseTests {

	private static final long LEASE_MILLIS = 3_000;

	/**
	 * A frozen ZooKeeper client cannot delete its node when its lease runs out; the server frees the lock when
	 * the session expires, which must happen well within the freeze.
	 */
	private static final long ZOOKEEPER_SESSION_MILLIS = 4_000;

	private static final Duration FREEZE = Duration.ofMillis(3 * LEASE_MILLIS);

	/** A "did not hang" bound, also for starting a JVM on a loaded machine. */
	private static final Duration PATIENCE = Duration.ofSeconds(60);

	/** Holds of the frozen process after the frozen one: they must be neither rejected nor reported lost. */
	private static final int HOLDS_AFTER_THAW = 2;

	private final String run = UUID.randomUUID().toString().replace("-", "").substring(0, 12);

	private final String tables = "pause_" + this.run;

	private final String keyPrefix = "distcore-test:" + this.run + ":pause:";

	private final JdbcEndpoint postgres = TestServices.postgres();

	@Test
	void redisHolderFrozenForThreeLeasesIsFencedOffAndTold() throws Exception {
		RedisEndpoint redis = TestServices.redis();
		try {
			freezeTheHolder(List.of("backend=redis", "redis=" + redis.host() + ":" + redis.port(),
					"key-prefix=" + this.keyPrefix));
		}
		finally {
			deleteKeys(List.of(redis));
		}
	}

	@Test
	void redLockHolderFrozenForThreeLeasesIsFencedOffAndTold() throws Exception {
		List<RedisEndpoint> nodes = TestServices.redlockNodes();
		try {
			freezeTheHolder(List.of("backend=redlock",
					"redlock=" + nodes.stream().map(RedisEndpoint::uri).collect(Collectors.joining(",")),
					"key-prefix=" + this.keyPrefix));
		}
		finally {
			deleteKeys(nodes);
		}
	}

	@Test
	void zooKeeperHolderFrozenForThreeLeasesIsFencedOffAndTold() throws Exception {
		String connectString = TestServices.zookeeper().getConnectString();
		String path = "/distcore-test/pause-" + this.run;
		try {
			freezeTheHolder(List.of("backend=zookeeper", "zookeeper=" + connectString,
					"zookeeper-session=" + ZOOKEEPER_SESSION_MILLIS, "zookeeper-path=" + path));
		}
		finally {
			try (CuratorFramework client = CuratorFrameworkFactory.newClient(connectString, new RetryOneTime(100))) {
				client.start();
				if (client.checkExists().forPath(path) != null) {
					client.delete().deletingChildrenIfNeeded().forPath(path);
				}
			}
		}
	}

	@Test
	void jdbcHolderFrozenForThreeLeasesIsFencedOffAndTold() throws Exception {
		String lockTable = "distcore_lock_" + this.run;
		try (HikariDataSource dataSource = this.postgres.dataSource(1)) {
			new JdbcLockBackend(dataSource, lockTable, Duration.ofMillis(10), Duration.ofMillis(200), Duration.ofSeconds(5))
				.createSchema();
		}
		try {
			freezeTheHolder(List.of("backend=jdbc", "jdbc-table=" + lockTable));
		}
		finally {
			try (Connection connection = connect(); Statement statement = connection.createStatement()) {
				statement.execute("DROP TABLE IF EXISTS " + lockTable);
			}
		}
	}

	/**
	 * Runs the two processes and judges the table. {@code A} is frozen in a hold it takes once both processes
	 * have held the lock, so that {@code B} is already contending: it waits out nearly all of the frozen hold's
	 * lease, and the first hold it then takes must live its full lease from there.
	 */
	private void freezeTheHolder(List<String> backendOptions) throws Exception {
		try (Connection connection = connect()) {
			PausedHolderProcess.createTables(connection, this.tables);
		}
		try {
			List<String> common = new ArrayList<>(backendOptions);
			common.addAll(List.of("lock=pause", "lease=" + LEASE_MILLIS, "tables=" + this.tables,
					"postgres-url=" + this.postgres.url(), "postgres-user=" + this.postgres.username(),
					"postgres-password=" + this.postgres.password()));
			OffsetDateTime frozenAt;
			OffsetDateTime thawedAt;
			long pausedToken;
			try (JavaProcess a = child(common, "A"); JavaProcess b = child(common, "B")) {
				a.awaitOutput((lines) -> done(lines) > 0, PATIENCE);
				b.awaitOutput((lines) -> done(lines) > 0, PATIENCE);
				a.send("pause");
				String paused = a.awaitLine((line) -> line.startsWith("PAUSED "), PATIENCE);
				pausedToken = Long.parseLong(paused.substring("PAUSED ".length()));
				// The database clock, the one the sections are logged with.
				frozenAt = databaseNow();
				a.freeze();
				// Read only once A runs again: the hold goes on from where it was frozen.
				a.send("go");
				Thread.sleep(FREEZE.toMillis());
				thawedAt = databaseNow();
				a.thaw();
				int holdsOfBBeforeThaw = done(b.output());
				a.awaitOutput((lines) -> done(lines.subList(lines.indexOf(paused), lines.size())) > HOLDS_AFTER_THAW,
						PATIENCE);
				b.awaitOutput((lines) -> done(lines) > holdsOfBBeforeThaw, PATIENCE);
				a.send("stop");
				b.send("stop");
				assertThat(a.awaitExit(PATIENCE)).as("exit code of A; its standard error:%n%s", a.errorOutput()).isZero();
				assertThat(b.awaitExit(PATIENCE)).as("exit code of B; its standard error:%n%s", b.errorOutput()).isZero();
			}
			assertFencedAndTold(sections(), pausedToken, frozenAt, thawedAt);
		}
		finally {
			try (Connection connection = connect()) {
				PausedHolderProcess.dropTables(connection, this.tables);
			}
		}
	}

	private static void assertFencedAndTold(List<Section> sections, long pausedToken, OffsetDateTime frozenAt,
			OffsetDateTime thawedAt) {
		String table = sections.stream().map(Section::toString).collect(Collectors.joining("\n", "\n", "\n"));
		assertThat(sections).as("every section ended%s", table).allMatch((section) -> section.endedAt() != null);
		List<Section> paused = sections.stream().filter(Section::paused).toList();
		assertThat(paused).as("one frozen section%s", table).hasSize(1);
		Section frozen = paused.get(0);
		assertThat(frozen.process() + " " + frozen.token()).as("the frozen section").isEqualTo("A " + pausedToken);
		assertThat(frozen.endedAt()).as("the frozen section wrote after it was thawed at %s%s", thawedAt, table)
			.isAfter(thawedAt);

		List<Section> accepted = sections.stream()
			.filter(Section::accepted)
			.sorted((x, y) -> x.endedAt().compareTo(y.endedAt()))
			.toList();
		for (int i = 1; i < accepted.size(); i++) {
			assertThat(accepted.get(i).token()).as("accepted tokens only increase, in the order they were written%s", table)
				.isGreaterThan(accepted.get(i - 1).token());
		}

		for (int i = 0; i < sections.size(); i++) {
			for (int j = i + 1; j < sections.size(); j++) {
				Section x = sections.get(i);
				Section y = sections.get(j);
				if (x.overlaps(y)) {
					Section older = (x.token() < y.token()) ? x : y;
					assertThat(older).as("in the overlap of %s and %s, the older token is the frozen one, and the token "
							+ "check rejected it%s", x, y, table).isEqualTo(frozen);
					assertThat(older.accepted()).as("%s rejected%s", older, table).isFalse();
				}
			}
		}
		for (Section rejected : sections.stream().filter((section) -> !section.accepted()).toList()) {
			assertThat(sections).as("%s was rejected only because a larger token was written during it%s", rejected, table)
				.anyMatch((other) -> other.accepted() && other.token() > rejected.token() && other.overlaps(rejected)
						&& other.endedAt().isBefore(rejected.endedAt()));
		}

		assertThat(sections).as("the other process took the lock over and wrote while A was frozen (%s to %s)%s",
				frozenAt, thawedAt, table)
			.anyMatch((section) -> section.process().equals("B") && section.accepted()
					&& section.startedAt().isAfter(frozenAt) && section.endedAt().isBefore(thawedAt));
		assertThat(sections).as("A held the lock again after the thaw%s", table)
			.anyMatch((section) -> section.process().equals("A") && section.startedAt().isAfter(frozen.endedAt()));

		assertThat(frozen.lostReported()).as("the frozen holder was told it lost the lock%s", table).isTrue();
		assertThat(sections.stream().filter((section) -> section != frozen && section.lostReported()).toList())
			.as("holds that were never frozen, reported lost%s", table)
			.isEmpty();
	}

	private JavaProcess child(List<String> common, String process) throws Exception {
		List<String> args = new ArrayList<>(common);
		args.add("process=" + process);
		return JavaProcess.start(PausedHolderProcess.class, args);
	}

	private static int done(List<String> lines) {
		return (int) lines.stream().filter((line) -> line.startsWith("DONE ")).count();
	}

	private List<Section> sections() throws SQLException {
		List<Section> sections = new ArrayList<>();
		try (Connection connection = connect();
				Statement statement = connection.createStatement();
				ResultSet rows = statement.executeQuery("SELECT process, token, paused, started_at, ended_at, accepted, "
						+ "lost_reported, lost_reason FROM " + this.tables + "_section ORDER BY started_at")) {
			while (rows.next()) {
				sections.add(new Section(rows.getString(1), rows.getLong(2), rows.getBoolean(3),
						rows.getObject(4, OffsetDateTime.class), rows.getObject(5, OffsetDateTime.class), rows.getBoolean(6),
						rows.getBoolean(7), rows.getString(8)));
			}
		}
		return sections;
	}

	private OffsetDateTime databaseNow() throws SQLException {
		try (Connection connection = connect();
				Statement statement = connection.createStatement();
				ResultSet now = statement.executeQuery("SELECT clock_timestamp()")) {
			now.next();
			return now.getObject(1, OffsetDateTime.class);
		}
	}

	private Connection connect() throws SQLException {
		return DriverManager.getConnection(this.postgres.url(), this.postgres.username(), this.postgres.password());
	}

	private void deleteKeys(List<RedisEndpoint> servers) {
		for (RedisEndpoint server : servers) {
			LettuceConnectionFactory factory = server.connectionFactory();
			try {
				StringRedisTemplate redis = new StringRedisTemplate(factory);
				redis.delete(redis.keys(this.keyPrefix + "*"));
			}
			finally {
				factory.destroy();
			}
		}
	}

	/**
	 * One critical section as the table shows it; times are the database's.
	 */
	private record Section(String process, long token, boolean paused, OffsetDateTime startedAt, OffsetDateTime endedAt,
			boolean accepted, boolean lostReported, String lostReason) {

		boolean overlaps(Section other) {
			return this != other && this.startedAt.isBefore(other.endedAt) && other.startedAt.isBefore(this.endedAt);
		}

		@Override
		public String toString() {
			return String.format("%s token %d%s %s..%s %s%s", this.process, this.token, this.paused ? " (frozen)" : "",
					this.startedAt.toLocalTime(), (this.endedAt != null) ? this.endedAt.toLocalTime() : "?",
					this.accepted ? "accepted" : "REJECTED", this.lostReported ? " LOST: " + this.lostReason : "");
		}

	}

}
