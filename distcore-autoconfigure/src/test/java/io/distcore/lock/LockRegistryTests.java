package io.distcore.lock;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.autoconfigure.ZooKeeperAutoConfiguration;
import io.distcore.lock.autoconfigure.LockAutoConfiguration;
import io.distcore.lock.local.LocalLockBackend;
import io.distcore.lock.redis.RedisLockBackend;
import io.distcore.lock.zookeeper.ZooKeeperLockBackend;
import io.distcore.support.InstanceId;
import io.distcore.test.RedisEndpoint;
import io.distcore.test.TcpProxy;
import io.distcore.test.TestServices;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What the registry adds above the backends, where the contract suite cannot show it: the drift margin, one
 * backend's hung renewals next to another's, and the shutdown of an application context while a holder runs.
 */
class LockRegistryTests {

	@Test
	void theWatchdogAndTheBackendWorkersStartWithTheFirstHoldThatNeedsThem() throws Exception {
		Set<Thread> before = Set.copyOf(Thread.getAllStackTraces().keySet());
		try (LockRegistry registry = new LockRegistry(InstanceId.generate(), List.of(new LocalLockBackend()), "local",
				Duration.ofSeconds(30), List.of())) {
			assertThat(newThreads(before)).as("threads of a registry nobody used").isEmpty();
			NamedLock leased = registry.getLock("leased-" + UUID.randomUUID());
			assertThat(leased.tryLock(Duration.ZERO, Duration.ofSeconds(30))).isTrue();
			leased.unlock();
			assertThat(newThreads(before)).as("threads after a hold with its own lease").isEmpty();
			NamedLock watched = registry.getLock("watched-" + UUID.randomUUID());
			assertThat(watched.tryLock(Duration.ZERO)).isTrue();
			try {
				assertThat(newThreads(before)).contains("distcore-lock-watchdog");
			}
			finally {
				watched.unlock();
			}
		}
	}

	@Test
	void aHoldEndsInThisProcessTheDriftMarginBeforeItsLease() throws Exception {
		Duration lease = Duration.ofSeconds(100);
		// The drift margin is 100 s / 100 + 2 ms = 1.002 s; the backend reports a lease with 1.5 s left.
		Duration leaseLeft = Duration.ofMillis(1_500);
		LockBackend startedEarlier = new EarlierStart(new LocalLockBackend(), lease.minus(leaseLeft));
		try (LockRegistry registry = new LockRegistry(InstanceId.generate(), List.of(startedEarlier),
				startedEarlier.name(), Duration.ofSeconds(30), List.of())) {
			NamedLock lock = registry.getLock("drift-" + UUID.randomUUID());
			assertThat(lock.tryLock(Duration.ZERO, lease)).isTrue();
			assertThat(lock.isHeldByCurrentOwner()).isTrue();
			// Past lease − drift (0.5 s left), before the backend's lease ends (1.5 s left).
			Thread.sleep(1_000);
			assertThat(lock.isHeldByCurrentOwner()).isFalse();
			assertThatExceptionOfType(LockLostException.class).isThrownBy(lock::unlock);
		}
	}

	@Test
	void renewalsHangingOnOneBackendDoNotStopTheRenewalsOfAnother() throws Exception {
		Duration lease = Duration.ofMillis(900);
		RedisEndpoint redis = TestServices.redis();
		String prefix = "distcore-test:" + UUID.randomUUID() + ":lock:";
		LocalLockBackend local = new LocalLockBackend();
		List<String> failures = new CopyOnWriteArrayList<>();
		LockListener listener = new LockListener() {

			@Override
			public void backendFailed(String backend, String lockName, RuntimeException failure) {
				failures.add(backend + ": " + failure.getMessage());
			}

		};
		try (TcpProxy proxy = new TcpProxy(redis.host(), redis.port())) {
			// Spring Data Redis's default command timeout of 60 s: far longer than the lease.
			LettuceConnectionFactory factory = new LettuceConnectionFactory(
					new RedisStandaloneConfiguration("127.0.0.1", proxy.port()));
			factory.afterPropertiesSet();
			factory.start();
			try (RedisLockBackend hanging = new RedisLockBackend(factory, prefix);
					LockRegistry registry = new LockRegistry(InstanceId.generate(), List.of(hanging, local), "redis",
							lease, List.of(listener));
					LockRegistry other = new LockRegistry(InstanceId.generate(), List.of(local), "local", lease,
							List.of())) {
				// Connects, so that starting Lettuce does not eat the first hold's short lease.
				new StringRedisTemplate(factory).hasKey(prefix);
				List<NamedLock> onRedis = List.of(registry.getLock("hung-1", "redis"),
						registry.getLock("hung-2", "redis"), registry.getLock("hung-3", "redis"));
				for (NamedLock lock : onRedis) {
					assertThat(lock.tryLock(Duration.ZERO)).isTrue();
				}
				String name = "renewed-" + UUID.randomUUID();
				NamedLock onLocal = registry.getLock(name, "local");
				assertThat(onLocal.tryLock(Duration.ZERO)).isTrue();

				// Renewals on Redis now wait for a connection that never comes back.
				proxy.down();
				Thread.sleep(lease.toMillis() * 4);

				assertThat(onLocal.isHeldByCurrentOwner()).isTrue();
				assertThat(other.getLock(name).tryLock(Duration.ZERO, Duration.ofSeconds(30))).isFalse();
				onLocal.unlock();
				assertThat(onRedis).noneMatch(NamedLock::isHeldByCurrentOwner);
				assertThat(failures).anyMatch((failure) -> failure.startsWith("redis: ")
						&& failure.contains("did not answer within"));
			}
			finally {
				factory.destroy();
			}
		}
		LettuceConnectionFactory admin = redis.connectionFactory();
		try {
			StringRedisTemplate template = new StringRedisTemplate(admin);
			template.delete(template.keys(prefix + "*"));
		}
		finally {
			admin.destroy();
		}
	}

	@Test
	void closingTheContextWhileAHolderRunsEndsItsHoldBeforeTheZooKeeperBackendGoes() throws Exception {
		String connectString = TestServices.zookeeper().getConnectString();
		String name = "context-close-" + UUID.randomUUID();
		List<String> lost = new CopyOnWriteArrayList<>();
		ApplicationContextRunner runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class, ZooKeeperAutoConfiguration.class,
					LockAutoConfiguration.class))
			.withPropertyValues("distcore.zookeeper.connect-string=" + connectString, "distcore.lock.backend=zookeeper")
			.withBean("lossRecorder", LockListener.class, () -> new LockListener() {

				@Override
				public void lost(String backend, String lockName, long fencingToken, String reason) {
					lost.add(lockName);
				}

			});
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			runner.run((context) -> {
				LockRegistry registry = context.getBean(LockRegistry.class);
				HoldingThread holder = HoldingThread.start(pool, () -> registry.getLock(name));
				context.close();
				assertThat(holder.finish()).isInstanceOf(LockLostException.class);
				assertThat(lost).containsExactly(name);
			});
		}
		finally {
			pool.shutdownNow();
		}
		CuratorFramework client = CuratorFrameworkFactory.newClient(connectString, new ExponentialBackoffRetry(100, 3));
		client.start();
		try (ZooKeeperLockBackend next = new ZooKeeperLockBackend(client, "/distcore/locks")) {
			Optional<LockGrant> grant = next.acquire(name, "next", Duration.ofSeconds(30), Duration.ofSeconds(10));
			assertThat(grant).isPresent();
			assertThat(next.release(name, "next")).isTrue();
		}
		finally {
			client.close();
		}
	}

	@Test
	void anAcquireAppliedByTheBackendWhoseReplyFailedLeavesTheLockFree() throws Exception {
		LocalLockBackend local = new LocalLockBackend();
		LockBackend replyLost = new ReplyLost(local);
		String name = "reply-lost-" + UUID.randomUUID();
		try (LockRegistry registry = new LockRegistry(InstanceId.generate(), List.of(replyLost), replyLost.name(),
				Duration.ofSeconds(30), List.of())) {
			assertThatExceptionOfType(LockBackendUnavailableException.class)
				.isThrownBy(() -> registry.getLock(name).tryLock(Duration.ZERO, Duration.ofSeconds(60)));
		}
		assertThat(local.acquire(name, "someone-else", Duration.ofSeconds(5), Duration.ZERO))
			.as("the hold applied before the failure must not block others for the whole lease")
			.isPresent();
	}

	/** A real backend with one operation changed. */
	private abstract static class Delegating implements LockBackend {

		final LockBackend backend;

		Delegating(LockBackend backend) {
			this.backend = backend;
		}

		@Override
		public String name() {
			return this.backend.name();
		}

		@Override
		public boolean renew(String name, String owner, Duration leaseTime) {
			return this.backend.renew(name, owner, leaseTime);
		}

		@Override
		public boolean release(String name, String owner) {
			return this.backend.release(name, owner);
		}

	}

	/** A real backend whose grants report a lease that started earlier than the attempt did. */
	private static final class EarlierStart extends Delegating {

		private final Duration earlier;

		EarlierStart(LockBackend backend, Duration earlier) {
			super(backend);
			this.earlier = earlier;
		}

		@Override
		public Optional<LockGrant> acquire(String name, String owner, Duration leaseTime, Duration waitTime)
				throws InterruptedException {
			return this.backend.acquire(name, owner, leaseTime, waitTime)
				.map((grant) -> new LockGrant(grant.fencingToken(), grant.leaseStartedAt() - this.earlier.toNanos()));
		}

	}

	/** A real backend that applies every acquire, then fails as if its reply had timed out. */
	private static final class ReplyLost extends Delegating {

		ReplyLost(LockBackend backend) {
			super(backend);
		}

		@Override
		public Optional<LockGrant> acquire(String name, String owner, Duration leaseTime, Duration waitTime)
				throws InterruptedException {
			this.backend.acquire(name, owner, leaseTime, waitTime);
			throw new LockBackendUnavailableException("Reply to the acquire of '" + name + "' timed out");
		}

	}

	private static List<String> newThreads(Set<Thread> before) {
		return Thread.getAllStackTraces()
			.keySet()
			.stream()
			.filter((thread) -> !before.contains(thread) && thread.getName().startsWith("distcore"))
			.map(Thread::getName)
			.toList();
	}

}
