package io.distcore.test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A second JVM on the calling JVM's class path, for tests that need a real other process: one that can be
 * frozen with {@code SIGSTOP} and thawed with {@code SIGCONT}, which no thread of the test JVM can stand for.
 * Lines the child prints on standard output are collected for {@link #awaitOutput}; its standard error goes
 * to a file that failure messages quote, so library logging never mixes with what the child reports. Needs a
 * POSIX system ({@code kill}, {@code ps}). {@link #close()} kills the child, frozen or not.
 */
public final class JavaProcess implements AutoCloseable {

	private static final Duration SIGNAL_TIMEOUT = Duration.ofSeconds(10);

	private static final int ERROR_TAIL_CHARS = 4_000;

	private final String mainClass;

	private final Process process;

	private final Path errorLog;

	private final PrintWriter input;

	/** Guarded by itself. */
	private final List<String> output = new ArrayList<>();

	/** Guarded by {@link #output}. */
	private boolean outputEnded;

	private JavaProcess(String mainClass, Process process, Path errorLog) {
		this.mainClass = mainClass;
		this.process = process;
		this.errorLog = errorLog;
		this.input = new PrintWriter(process.getOutputStream(), true, StandardCharsets.UTF_8);
		Thread reader = new Thread(this::readOutput, "java-process-" + process.pid());
		reader.setDaemon(true);
		reader.start();
	}

	/**
	 * Starts {@code mainClass} in a new JVM of the running Java installation, with this JVM's class path.
	 * @param mainClass class with a {@code main} method
	 * @param args its arguments
	 * @return the started process; the caller closes it
	 * @throws IOException if the JVM could not be started
	 */
	public static JavaProcess start(Class<?> mainClass, List<String> args) throws IOException {
		List<String> command = new ArrayList<>();
		command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
		// Children are small and share the machine with their parent: a small heap, one GC thread, and no
		// optimising compiler that would compete for the cores.
		command.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"));
		command.addAll(List.of("-cp", System.getProperty("java.class.path"), mainClass.getName()));
		command.addAll(args);
		Path errorLog = Files.createTempFile("java-process-", ".err");
		Process process = new ProcessBuilder(command).redirectError(errorLog.toFile()).start();
		return new JavaProcess(mainClass.getSimpleName(), process, errorLog);
	}

	/**
	 * Operating-system id of the child.
	 * @return the pid
	 */
	public long pid() {
		return this.process.pid();
	}

	/**
	 * Writes one line to the child's standard input.
	 * @param line the line, without a line break
	 */
	public void send(String line) {
		this.input.println(line);
	}

	/**
	 * Lines printed so far.
	 * @return a copy of the standard output, line by line
	 */
	public List<String> output() {
		synchronized (this.output) {
			return List.copyOf(this.output);
		}
	}

	/**
	 * Waits until the output printed so far satisfies {@code condition}.
	 * @param condition tested on every new line, with all lines so far
	 * @param timeout longest wait
	 * @return the output at the moment it satisfied the condition
	 * @throws IllegalStateException if the child ended its output or the timeout passed first; the message
	 * quotes the output and the end of the standard error
	 * @throws InterruptedException if interrupted while waiting
	 */
	public List<String> awaitOutput(Predicate<? super List<String>> condition, Duration timeout)
			throws InterruptedException {
		long deadline = System.nanoTime() + timeout.toNanos();
		synchronized (this.output) {
			while (!condition.test(this.output)) {
				long remaining = deadline - System.nanoTime();
				if (this.outputEnded || remaining <= 0) {
					throw new IllegalStateException(describe((this.outputEnded ? "ended its output" : "did not print it within "
							+ timeout) + " before printing what was awaited"));
				}
				TimeUnit.NANOSECONDS.timedWait(this.output, remaining);
			}
			return List.copyOf(this.output);
		}
	}

	/**
	 * Waits for a line matching {@code line}.
	 * @param line what the line must satisfy
	 * @param timeout longest wait
	 * @return the first matching line
	 * @throws IllegalStateException if no such line came within the timeout
	 * @throws InterruptedException if interrupted while waiting
	 */
	public String awaitLine(Predicate<String> line, Duration timeout) throws InterruptedException {
		return awaitOutput((lines) -> lines.stream().anyMatch(line), timeout).stream().filter(line).findFirst().orElseThrow();
	}

	/**
	 * Stops the child with {@code SIGSTOP} and returns once the system shows it stopped: none of its threads
	 * runs until {@link #thaw()}.
	 * @throws InterruptedException if interrupted while waiting
	 */
	public void freeze() throws InterruptedException {
		signal("-STOP");
		long deadline = System.nanoTime() + SIGNAL_TIMEOUT.toNanos();
		while (!run("ps", "-o", "stat=", "-p", Long.toString(pid())).startsWith("T")) {
			if (System.nanoTime() - deadline > 0) {
				throw new IllegalStateException(describe("was not shown stopped " + SIGNAL_TIMEOUT + " after SIGSTOP"));
			}
			Thread.sleep(5);
		}
	}

	/**
	 * Lets a {@link #freeze() frozen} child run on with {@code SIGCONT}.
	 * @throws InterruptedException if interrupted while waiting for {@code kill}
	 */
	public void thaw() throws InterruptedException {
		signal("-CONT");
	}

	/**
	 * Closes the child's standard input and waits for it to exit.
	 * @param timeout longest wait
	 * @return the exit code
	 * @throws IllegalStateException if it did not exit in time
	 * @throws InterruptedException if interrupted while waiting
	 */
	public int awaitExit(Duration timeout) throws InterruptedException {
		this.input.close();
		if (!this.process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
			throw new IllegalStateException(describe("did not exit within " + timeout));
		}
		return this.process.exitValue();
	}

	/**
	 * What the child printed to standard error so far.
	 * @return the text
	 */
	public String errorOutput() {
		try {
			return Files.readString(this.errorLog, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/**
	 * Kills the child ({@code SIGKILL} ends a frozen process too) and deletes its standard error file.
	 */
	@Override
	public void close() throws InterruptedException, IOException {
		this.process.destroyForcibly();
		this.process.waitFor(SIGNAL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
		Files.deleteIfExists(this.errorLog);
	}

	@Override
	public String toString() {
		return this.mainClass + " (pid " + pid() + ")";
	}

	private void readOutput() {
		try (BufferedReader reader = new BufferedReader(
				new InputStreamReader(this.process.getInputStream(), StandardCharsets.UTF_8))) {
			String line;
			while ((line = reader.readLine()) != null) {
				synchronized (this.output) {
					this.output.add(line);
					this.output.notifyAll();
				}
			}
		}
		catch (IOException ex) {
			// The child is gone: its output has ended either way.
		}
		synchronized (this.output) {
			this.outputEnded = true;
			this.output.notifyAll();
		}
	}

	private void signal(String signal) throws InterruptedException {
		run("kill", signal, Long.toString(pid()));
	}

	private String run(String... command) throws InterruptedException {
		try {
			Process tool = new ProcessBuilder(command).redirectErrorStream(true).start();
			String printed = new String(tool.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
			if (!tool.waitFor(SIGNAL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS) || tool.exitValue() != 0) {
				throw new IllegalStateException(describe("could not be reached by '" + String.join(" ", command) + "': "
						+ printed));
			}
			return printed;
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Could not run " + String.join(" ", command), ex);
		}
	}

	private String describe(String problem) {
		String errors = errorOutput();
		String tail = (errors.length() > ERROR_TAIL_CHARS) ? "..." + errors.substring(errors.length() - ERROR_TAIL_CHARS)
				: errors;
		return this + " " + problem + "\n--- standard output ---\n" + String.join("\n", output())
				+ "\n--- standard error (end) ---\n" + tail;
	}

}
