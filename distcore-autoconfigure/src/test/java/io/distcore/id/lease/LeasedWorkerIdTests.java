package io.distcore.id.lease;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.distcore.id.lease.redis.RedisWorkerIdStore;
import io.distcore.id.snowflake.SnowflakeIdGenerator;
import io.distcore.id.snowflake.SnowflakeLayout;
import io.distcore.test.RedisEndpoint;
import io.distcore.test.TcpProxy;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.Test;

import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceClientConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

/**
 * How {@link LeasedWorkerId} claims when its store fails: one claim at a time whose outcome every waiting caller
 * shares, and a back-off of one heartbeat after a failure. The store is Redis behind sockets a test controls.
 */
class LeasedWorkerIdTests {

	private final String prefix = "distcore-test:" + UUID.randomUUID() + ":worker:";

	@Test
	void whileTheStoreDoesNotAnswerCallersFailAfterOneTimeoutNotAfterEveryonesBeforeThem() throws Exception {
		Duration timeout = Duration.ofSeconds(1);
		try (ServerSocket blackHole = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
			List<Socket> accepted = new CopyOnWriteArrayList<>();
			Thread acceptor = new Thread(() -> {
				try {
					while (true) {
						accepted.add(blackHole.accept());
					}
				}
				catch (IOException ex) {
					// Closed at the end of the test.
				}
			});
			acceptor.setDaemon(true);
			acceptor.start();
			LettuceConnectionFactory factory = connectionFactory(blackHole.getLocalPort(), timeout);
			ExecutorService callers = Executors.newFixedThreadPool(4);
			try (LeasedWorkerId lease = LeasedWorkerId.lazy(new RedisWorkerIdStore(factory, this.prefix), "A",
					SnowflakeLayout.DEFAULT, Duration.ofSeconds(3), Duration.ofSeconds(1))) {
				SnowflakeIdGenerator generator = new SnowflakeIdGenerator(SnowflakeLayout.DEFAULT, lease,
						Clock.systemUTC(), Duration.ofMillis(5), false);
				List<Future<Long>> waits = new ArrayList<>();
				for (int i = 0; i < 4; i++) {
					waits.add(callers.submit(() -> {
						long start = System.nanoTime();
						assertThatExceptionOfType(WorkerIdLeaseException.class).isThrownBy(generator::nextId);
						return System.nanoTime() - start;
					}));
				}
				long longest = 0;
				for (Future<Long> wait : waits) {
					longest = Math.max(longest, wait.get(60, TimeUnit.SECONDS));
				}
				assertThat(Duration.ofNanos(longest)).as("longest wait of 4 callers, store timeout " + timeout)
					.isLessThan(timeout.multipliedBy(3));
			}
			finally {
				callers.shutdownNow();
				factory.destroy();
				for (Socket socket : accepted) {
					socket.close();
				}
			}
		}
	}

	@Test
	void afterAFailedClaimCallsFailWithItsCauseForOneHeartbeatThenTheNextOneClaims() throws Exception {
		Duration heartbeat = Duration.ofSeconds(3);
		RedisEndpoint redis = TestServices.redis();
		try (TcpProxy proxy = new TcpProxy(redis.host(), redis.port())) {
			proxy.down();
			LettuceConnectionFactory factory = connectionFactory(proxy.port(), Duration.ofSeconds(2));
			try (LeasedWorkerId lease = LeasedWorkerId.lazy(new RedisWorkerIdStore(factory, this.prefix), "A",
					SnowflakeLayout.DEFAULT, heartbeat.multipliedBy(3), heartbeat)) {
				SnowflakeIdGenerator generator = new SnowflakeIdGenerator(SnowflakeLayout.DEFAULT, lease,
						Clock.systemUTC(), Duration.ofMillis(5), false);
				WorkerIdLeaseException failure = catchThrowableOfType(WorkerIdLeaseException.class, generator::nextId);
				assertThat(failure).hasMessageContaining("Could not claim");
				proxy.up();
				// Redis answers again, but within the back-off nobody asks it: the call fails with the same cause.
				assertThatExceptionOfType(WorkerIdLeaseException.class).isThrownBy(generator::nextId)
					.withMessageContaining("the next attempt starts in")
					.withMessageContaining(failure.getMessage())
					.havingCause()
					.isSameAs(failure);
				assertThat(keys(factory)).isEmpty();
				Thread.sleep(heartbeat.toMillis());
				generator.nextId();
				assertThat(keys(factory)).containsExactly(this.prefix + lease.slot());
			}
			finally {
				new StringRedisTemplate(factory).delete(keys(factory));
				factory.destroy();
			}
		}
	}

	private Set<String> keys(LettuceConnectionFactory factory) {
		return new StringRedisTemplate(factory).keys(this.prefix + "*");
	}

	private static LettuceConnectionFactory connectionFactory(int port, Duration commandTimeout) {
		LettuceConnectionFactory factory = new LettuceConnectionFactory(
				new RedisStandaloneConfiguration("127.0.0.1", port),
				LettuceClientConfiguration.builder().commandTimeout(commandTimeout).build());
		factory.afterPropertiesSet();
		factory.start();
		return factory;
	}

}
