package io.distcore.lock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.lock.autoconfigure.LockAutoConfiguration;
import io.distcore.lock.jdbc.JdbcLockBackend;
import io.distcore.lock.redis.RedisLockBackend;
import io.distcore.lock.redlock.RedLockBackend;
import io.distcore.support.InstanceId;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.RedisEndpoint;
import io.distcore.test.TestServices;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.jdbc.core.JdbcTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Findings of an adversarial review of the lock work of issue 8, each against the real classes and servers. A
 * failing test here is a defect; a passing one is an attack that held up.
 */
class LockReviewFindingsTests {

	private final String prefix = "distcore-review:" + UUID.randomUUID() + ":lock:";

	private final List<AutoCloseable> cleanup = new ArrayList<>();

	@AfterEach
	void cleanUp() throws Exception {
		for (int i = this.cleanup.size() - 1; i >= 0; i--) {
			this.cleanup.get(i).close();
		}
	}

	// --- Finding 1: the single Redis token counter ignores the per-name counters of the previous release ---

	@Test
	void redisTokensKeepIncreasingAcrossTheUpgradeFromPerNameCounters() throws Exception {
		String name = "order-42";
		StringRedisTemplate redis = redisTemplate();
		// What the previous release (5a26dd5) left for this lock: INCR of <prefix>{name}:token, never expiring.
		redis.opsForValue().set(this.prefix + "{" + name + "}:token", "1000");
		RedisLockBackend backend = redisBackend();

		Optional<LockGrant> grant = backend.acquire(name, "after-upgrade", Duration.ofSeconds(5), Duration.ZERO);

		assertThat(grant).isPresent();
		assertThat(grant.get().fencingToken())
			.as("a token after the upgrade must exceed 1000, the last one the resource saw for this lock")
			.isGreaterThan(1000);
	}

	// --- Finding 2: an explicit owner "thread-<id>" is the same owner as that thread's default handle ---

	@Test
	void anExplicitOwnerNamedLikeAThreadDoesNotShareThatThreadsHold() throws Exception {
		redisTemplate();
		LockRegistry registry = registry(new InstanceId("review-" + UUID.randomUUID()), redisBackend());
		String name = "shared-" + UUID.randomUUID();
		NamedLock mine = registry.getLock(name);
		assertThat(mine.tryLock(Duration.ZERO, Duration.ofSeconds(10))).isTrue();
		String ownerLikeMine = "thread-" + Thread.currentThread().getId();

		boolean otherGotIt = CompletableFuture.supplyAsync(() -> {
			try {
				return registry.getLock(name, "redis", ownerLikeMine).tryLock(Duration.ZERO, Duration.ofSeconds(10));
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		}).get(10, TimeUnit.SECONDS);

		assertThat(otherGotIt).as("a job with owner '" + ownerLikeMine + "' entered while this thread holds the lock")
			.isFalse();
	}

	// --- Finding 3: a same-owner "lost reply" grant turns two processes with one configured id into two holders ---

	@Test
	void twoProcessesWithTheSameConfiguredInstanceIdAreNotBothGrantedTheLock() throws Exception {
		// distcore.instance-id=orders set in a shared application.yml: every pod has the same id, and a
		// scheduler thread of the same id in each pod.
		redisTemplate();
		InstanceId shared = new InstanceId("orders");
		LockRegistry podA = registry(shared, redisBackend());
		LockRegistry podB = registry(shared, redisBackend());
		String name = "nightly-" + UUID.randomUUID();

		assertThat(podA.getLock(name).tryLock(Duration.ZERO, Duration.ofSeconds(10))).isTrue();
		boolean podBGotIt = podB.getLock(name).tryLock(Duration.ZERO, Duration.ofSeconds(10));

		assertThat(podBGotIt && podA.getLock(name).isHeldByCurrentOwner())
			.as("both pods hold '" + name + "' at once").isFalse();
	}

	// --- Finding 4: RedLock still keeps a token key per name forever on every node ---

	@Test
	void redLockLeavesNoKeyPerNameBehindAfterRelease() throws Exception {
		RedLockBackend backend = new RedLockBackend(
				TestServices.redlockNodes().stream().map(RedisEndpoint::uri).map(RedisURI::create).toList(),
				Duration.ofMillis(500), Duration.ofMillis(50), this.prefix);
		this.cleanup.add(backend::close);
		for (int i = 0; i < 50; i++) {
			String name = "order-" + i;
			assertThat(backend.acquire(name, "owner", Duration.ofSeconds(5), Duration.ZERO)).isPresent();
			assertThat(backend.release(name, "owner")).isTrue();
		}
		List<String> left = null;
		for (RedisEndpoint node : TestServices.redlockNodes()) {
			RedisClient client = RedisClient.create(node.uri());
			try (StatefulRedisConnection<String, String> connection = client.connect()) {
				List<String> keys = connection.sync().keys(this.prefix + "*");
				left = (left != null) ? left : keys;
				if (!keys.isEmpty()) {
					connection.sync().del(keys.toArray(String[]::new));
				}
			}
			finally {
				client.shutdown();
			}
		}
		assertThat(left).as("keys left on one node after 50 names were locked and released").hasSizeLessThanOrEqualTo(1);
	}

	// --- Finding 5: a CompletableFuture returned through a method declared Object is released at return ---

	@Test
	void aCompletableFutureReturnedAsObjectIsNotReleasedSilentlyAtReturn() {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, DistcoreAutoConfiguration.class,
					LockAutoConfiguration.class))
			.withPropertyValues("distcore.lock.backend=local")
			.withBean(ObjectReturning.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				ObjectReturning bean = context.getBean(ObjectReturning.class);
				LockRegistry registry = context.getBean(LockRegistry.class);
				Object result;
				try {
					result = bean.handle("K");
				}
				catch (IllegalStateException refused) {
					// Refusing at the call is an acceptable answer too: the work never runs unlocked.
					return;
				}
				assertThat(result).isInstanceOf(CompletableFuture.class);
				assertThat((CompletableFuture<?>) result).isNotDone();
				assertThat(registry.holds())
					.as("the work of the returned future still runs, so its lock must still be held").isNotEmpty();
				bean.pending.complete("done");
			});
	}

	/** A generic handler, as with {@code Handler<T> { T handle(String key); }}: the declared type is Object. */
	public static class ObjectReturning {

		final CompletableFuture<String> pending = new CompletableFuture<>();

		@DistributedLock(prefix = "obj", key = "#key", waitTime = "0s")
		public Object handle(String key) {
			return this.pending;
		}

	}

	// --- Held up: an interrupted Redis acquire leaves no hold on the server that nobody in the process knows of ---

	@Test
	void anInterruptedRedisAcquireLeavesNoOrphanedHoldBehind() throws Exception {
		StringRedisTemplate redis = redisTemplate();
		LockRegistry registry = registry(new InstanceId("review-" + UUID.randomUUID()), redisBackend());
		String name = "interrupted-" + UUID.randomUUID();
		NamedLock lock = registry.getLock(name);
		Thread.currentThread().interrupt();
		Throwable failure = null;
		try {
			lock.tryLock(Duration.ZERO, Duration.ofSeconds(20));
		}
		catch (Exception ex) {
			failure = ex;
		}
		finally {
			Thread.interrupted();
		}
		assertThat(lock.isHeldByCurrentOwner()).isFalse();
		assertThat(redis.opsForValue().get(this.prefix + "{" + name + "}"))
			.as("tryLock failed with " + failure + ", yet Redis holds the lock for this owner for the whole lease")
			.isNull();
	}

	// --- Held up: RedLock tokens strictly increase when every hold is granted by a different majority ---

	@Test
	void redLockTokensIncreaseAcrossRotatingMajorities() throws Exception {
		List<RedisEndpoint> servers = TestServices.redlockNodes();
		RedLockBackend backend = new RedLockBackend(servers.stream().map(RedisEndpoint::uri).map(RedisURI::create).toList(),
				Duration.ofMillis(500), Duration.ofMillis(20), this.prefix);
		this.cleanup.add(backend::close);
		List<RedisClient> clients = new ArrayList<>();
		List<StatefulRedisConnection<String, String>> nodes = new ArrayList<>();
		for (RedisEndpoint server : servers) {
			RedisClient client = RedisClient.create(server.uri());
			clients.add(client);
			nodes.add(client.connect());
		}
		this.cleanup.add(() -> {
			for (int i = 0; i < nodes.size(); i++) {
				List<String> keys = nodes.get(i).sync().keys(this.prefix + "*");
				if (!keys.isEmpty()) {
					nodes.get(i).sync().del(keys.toArray(String[]::new));
				}
				nodes.get(i).close();
				clients.get(i).shutdown();
			}
		});
		String name = "rotating";
		String lockKey = this.prefix + "{" + name + "}";
		long previous = 0;
		List<String> backwards = new ArrayList<>();
		for (int round = 0; round < 25; round++) {
			// Two nodes refuse (another owner's key there), so each hold is granted by a different 3 of 5.
			int a = round % servers.size();
			int b = (round * 2 + 1) % servers.size();
			nodes.get(a).sync().set(lockKey, "someone-else");
			nodes.get(b).sync().set(lockKey, "someone-else");
			Optional<LockGrant> grant = backend.acquire(name, "owner", Duration.ofSeconds(5), Duration.ZERO);
			nodes.get(a).sync().del(lockKey);
			nodes.get(b).sync().del(lockKey);
			if (grant.isPresent()) {
				if (grant.get().fencingToken() <= previous) {
					backwards.add(previous + " then " + grant.get().fencingToken() + " (round " + round + ")");
				}
				previous = grant.get().fencingToken();
				backend.release(name, "owner");
			}
		}
		assertThat(previous).as("holds were granted").isPositive();
		assertThat(backwards).isEmpty();
	}

	// --- Held up: the JDBC purge floor against acquires of the names it purges, concurrently ---

	@Test
	void postgresTokensOnlyIncreaseWhileAPurgeDeletesTheNamesBeingAcquired() throws Exception {
		purgeRacesAcquires(TestServices.postgres());
	}

	@Test
	void mariaDbTokensOnlyIncreaseWhileAPurgeDeletesTheNamesBeingAcquired() throws Exception {
		purgeRacesAcquires(TestServices.mariadb());
	}

	private void purgeRacesAcquires(JdbcEndpoint endpoint) throws Exception {
		String table = "distcore_review_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
		HikariDataSource dataSource = endpoint.dataSource(6);
		this.cleanup.add(dataSource);
		this.cleanup.add(() -> new JdbcTemplate(dataSource).execute("DROP TABLE IF EXISTS " + table));
		JdbcLockBackend backend = new JdbcLockBackend(dataSource, table, Duration.ofMillis(5), Duration.ofMillis(20),
				Duration.ofSeconds(1));
		backend.createSchema();
		Map<String, Long> last = new HashMap<>();
		// Many names, each taken now and then: some sit untouched through a purge and are deleted, then come back.
		List<String> names = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			names.add("order-" + i);
		}
		AtomicBoolean stop = new AtomicBoolean();
		CompletableFuture<Integer> purges = CompletableFuture.supplyAsync(() -> {
			int purged = 0;
			try {
				while (!stop.get()) {
					purged += backend.purge(Duration.ZERO, 2);
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			return purged;
		});
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(12);
		List<String> backwards = new ArrayList<>();
		while (System.nanoTime() < deadline) {
			for (int i = 0; i < 5; i++) {
				String name = names.get(ThreadLocalRandom.current().nextInt(names.size()));
				Optional<LockGrant> grant = backend.acquire(name, "o", Duration.ofMillis(200), Duration.ofSeconds(2));
				assertThat(grant).isPresent();
				long token = grant.get().fencingToken();
				Long previous = last.put(name, token);
				if (previous != null && token <= previous) {
					backwards.add(name + ": " + previous + " then " + token);
				}
				backend.release(name, "o");
			}
			Thread.sleep(20);
		}
		stop.set(true);
		int purged = purges.get(30, TimeUnit.SECONDS);
		assertThat(purged).as("the purge must have deleted rows for the race to mean anything").isPositive();
		assertThat(backwards).isEmpty();
		assertThat(Set.copyOf(new JdbcTemplate(dataSource).queryForList("SELECT name FROM " + table, String.class)))
			.contains("");
	}

	private StringRedisTemplate redisTemplate() {
		LettuceConnectionFactory factory = TestServices.redis().connectionFactory();
		StringRedisTemplate redis = new StringRedisTemplate(factory);
		this.cleanup.add(factory::destroy);
		this.cleanup.add(() -> redis.delete(redis.keys(this.prefix + "*")));
		return redis;
	}

	private RedisLockBackend redisBackend() {
		LettuceConnectionFactory factory = TestServices.redis().connectionFactory();
		RedisLockBackend backend = new RedisLockBackend(factory, this.prefix);
		this.cleanup.add(factory::destroy);
		this.cleanup.add(backend::close);
		return backend;
	}

	private LockRegistry registry(InstanceId instanceId, LockBackend backend) {
		LockRegistry registry = new LockRegistry(instanceId, List.of(backend), backend.name(), Duration.ofSeconds(3),
				List.of());
		this.cleanup.add(registry::close);
		return registry;
	}

}
