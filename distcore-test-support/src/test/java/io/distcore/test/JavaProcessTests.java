package io.distcore.test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Proves that a child JVM really stops while frozen and carries on when thawed.
 */
@Timeout(120)
class JavaProcessTests {

	private static final Duration WAIT = Duration.ofSeconds(60);

	@Test
	void frozenChildAnswersNothingUntilThawed() throws Exception {
		try (JavaProcess child = JavaProcess.start(Echo.class, List.of("ready"))) {
			child.awaitLine("ready"::equals, WAIT);
			child.send("one");
			child.awaitLine("one"::equals, WAIT);
			child.freeze();
			child.send("two");
			// Not a timing bound: a stopped process cannot answer however long it is given.
			Thread.sleep(500);
			assertThat(child.output()).containsExactly("ready", "one");
			child.thaw();
			child.awaitLine("two"::equals, WAIT);
			assertThat(child.awaitExit(WAIT)).isZero();
			assertThat(child.errorOutput()).contains("echo started");
		}
	}

	@Test
	void outputThatNeverComesFailsWithWhatTheChildPrinted() throws Exception {
		try (JavaProcess child = JavaProcess.start(Echo.class, List.of("ready"))) {
			child.awaitLine("ready"::equals, WAIT);
			child.send("stop");
			assertThatIllegalStateException().isThrownBy(() -> child.awaitLine("never"::equals, WAIT))
				.withMessageContaining("ended its output")
				.withMessageContaining("ready")
				.withMessageContaining("echo started");
		}
	}

	/**
	 * Prints its argument, then echoes every line of its input until {@code stop} or the end of input.
	 */
	static final class Echo {

		public static void main(String[] args) throws IOException {
			System.err.println("echo started");
			System.out.println(args[0]);
			BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
			String line;
			while ((line = in.readLine()) != null && !line.equals("stop")) {
				System.out.println(line);
			}
		}

	}

}
