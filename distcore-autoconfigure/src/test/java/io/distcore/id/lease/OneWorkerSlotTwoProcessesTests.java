package io.distcore.id.lease;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.id.lease.jdbc.JdbcWorkerIdStore;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.RedisEndpoint;
import io.distcore.test.TestServices;
import org.apache.curator.test.InstanceSpec;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Two JVM processes ({@link WorkerSlotProcess}) share the only worker id of a one-slot layout on a real store.
 * Process A holds it and issues ids while B waits for it; A is frozen with SIGSTOP past its lease while B takes
 * the slot and issues ids; then A is resumed while B still holds it. Both write every id they issued to a file, and no id may appear
 * twice. Both start every millisecond at sequence 0, so any overlap of the two holders would repeat ids at once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OneWorkerSlotTwoProcessesTests {

	private static final long HANG_SECONDS = 30;

	@TempDir
	private Path directory;

	private final List<Process> processes = new ArrayList<>();

	@AfterEach
	void stopProcesses() throws Exception {
		for (Process process : this.processes) {
			signal(process, "CONT");
			process.destroyForcibly();
			process.waitFor(HANG_SECONDS, TimeUnit.SECONDS);
		}
	}

	@Test
	void zooKeeperWithSessionsShorterThanTheTtl() throws Exception {
		InstanceSpec spec = new InstanceSpec(null, -1, -1, -1, true, -1, 200, -1, Map.of("maxSessionTimeout", "2000"));
		try (TestingServer server = new TestingServer(spec, true)) {
			assertNoDuplicateAcrossAPause("zookeeper", server.getConnectString(),
					"/distcore-test/two-processes-" + UUID.randomUUID(), "PT6S");
		}
	}

	@Test
	void redis() throws Exception {
		RedisEndpoint redis = TestServices.redis();
		String prefix = "distcore-test:" + UUID.randomUUID() + ":worker:";
		try {
			assertNoDuplicateAcrossAPause("redis", redis.host() + ":" + redis.port(), prefix, "PT2S");
		}
		finally {
			LettuceConnectionFactory factory = redis.connectionFactory();
			StringRedisTemplate template = new StringRedisTemplate(factory);
			template.delete(template.keys(prefix + "*"));
			factory.destroy();
		}
	}

	@Test
	void postgreSql() throws Exception {
		JdbcEndpoint postgres = TestServices.postgres();
		String table = "two_processes_" + UUID.randomUUID().toString().replace("-", "");
		try (HikariDataSource pool = postgres.dataSource(1)) {
			new JdbcWorkerIdStore(pool, table).createSchema();
			try {
				assertNoDuplicateAcrossAPause("jdbc", postgres.url(), table, "PT2S",
						"-Ddistcore.test.jdbc.username=" + postgres.username(),
						"-Ddistcore.test.jdbc.password=" + postgres.password());
			}
			finally {
				new JdbcTemplate(pool).execute("DROP TABLE " + table);
			}
		}
	}

	private void assertNoDuplicateAcrossAPause(String backend, String address, String namespace, String ttl,
			String... jvmOptions) throws Exception {
		Worker first = start("first", backend, address, namespace, ttl, jvmOptions);
		Worker second = start("second", backend, address, namespace, ttl, jvmOptions);
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HANG_SECONDS);
		while (!(first.printed(WorkerSlotProcess.ISSUING) && second.printed(WorkerSlotProcess.WAITING))
				&& !(second.printed(WorkerSlotProcess.ISSUING) && first.printed(WorkerSlotProcess.WAITING))) {
			assertThat(System.nanoTime() - deadline).as("one process holding the slot and the other waiting for it")
				.isNegative();
			Thread.sleep(10);
		}
		Worker a = first.printed(WorkerSlotProcess.ISSUING) ? first : second;
		Worker b = (a == first) ? second : first;
		signal(a.process, "STOP");
		// Frozen past its lease: the store lets the slot go, and B takes it and issues ids.
		b.await(WorkerSlotProcess.ISSUING);
		Thread.sleep(500);
		signal(a.process, "CONT");
		// A is back while B holds the slot: it must notice that its lease ran out before it issues another id.
		Thread.sleep(2_000);
		long[] idsOfA = a.stop();
		long[] idsOfB = b.stop();
		assertThat(idsOfA).as("ids A issued before the pause").isNotEmpty();
		assertThat(idsOfB).as("ids B issued").isNotEmpty();
		Set<Long> seen = new HashSet<>();
		int duplicates = 0;
		for (long[] ids : List.of(idsOfA, idsOfB)) {
			for (long id : ids) {
				if (!seen.add(id)) {
					duplicates++;
				}
			}
		}
		assertThat(duplicates).as("ids issued twice, of " + idsOfA.length + " by A and " + idsOfB.length + " by B")
			.isZero();
	}

	private Worker start(String name, String backend, String address, String namespace, String ttl,
			String... jvmOptions) throws IOException {
		Path ids = this.directory.resolve(name + ".ids");
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		// Starts faster on a busy machine; neither process needs peak speed.
		command.addAll(List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC"));
		command.addAll(List.of(jvmOptions));
		command.addAll(List.of("-cp", System.getProperty("java.class.path"), WorkerSlotProcess.class.getName(),
				backend, address, namespace, ids.toString(), ttl, "PT0.5S"));
		Process process = new ProcessBuilder(command).redirectError(this.directory.resolve(name + ".err").toFile())
			.start();
		this.processes.add(process);
		return new Worker(name, process, ids);
	}

	private static void signal(Process process, String signal) throws Exception {
		if (process.isAlive()) {
			Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).inheritIO().start();
			assertThat(kill.waitFor(HANG_SECONDS, TimeUnit.SECONDS)).isTrue();
			assertThat(kill.exitValue()).as("kill -" + signal).isZero();
		}
	}

	/** A started process and the lines it printed. */
	private static final class Worker {

		private final String name;

		private final Process process;

		private final Path ids;

		private final List<String> lines = new CopyOnWriteArrayList<>();

		Worker(String name, Process process, Path ids) {
			this.name = name;
			this.process = process;
			this.ids = ids;
			Thread reader = new Thread(() -> {
				try (BufferedReader out = new BufferedReader(
						new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
					for (String line = out.readLine(); line != null; line = out.readLine()) {
						this.lines.add(line);
					}
				}
				catch (IOException ex) {
					// The process is gone; what it printed is in lines.
				}
			}, "output-of-" + name);
			reader.setDaemon(true);
			reader.start();
		}

		boolean printed(String line) {
			assertThat(this.process.isAlive()).as("process " + this.name + " died: " + this.lines).isTrue();
			return this.lines.contains(line);
		}

		void await(String line) throws InterruptedException {
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(HANG_SECONDS);
			while (!this.lines.contains(line)) {
				assertThat(this.process.isAlive()).as("process " + this.name + " died: " + this.lines).isTrue();
				assertThat(System.nanoTime() - deadline).as("process " + this.name + " did not print " + line)
					.isNegative();
				Thread.sleep(10);
			}
		}

		/** Closes its input, which ends it, and reads the ids it issued. */
		long[] stop() throws Exception {
			this.process.getOutputStream().close();
			assertThat(this.process.waitFor(HANG_SECONDS, TimeUnit.SECONDS)).as("process " + this.name + " ended")
				.isTrue();
			assertThat(this.process.exitValue()).as("exit code of " + this.name).isZero();
			// Written by DataOutputStream, which is big-endian like ByteBuffer.
			LongBuffer written = ByteBuffer.wrap(Files.readAllBytes(this.ids)).asLongBuffer();
			long[] issued = new long[written.remaining()];
			written.get(issued);
			return issued;
		}

	}

}
