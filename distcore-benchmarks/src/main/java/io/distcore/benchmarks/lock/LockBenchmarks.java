package io.distcore.benchmarks.lock;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import io.distcore.lock.HandOverLockBackend;
import io.distcore.lock.LockBackend;
import io.distcore.lock.LockGrant;
import io.distcore.lock.LockRegistry;
import io.distcore.support.InstanceId;
import org.postgresql.ds.PGSimpleDataSource;

/**
 * What every lock benchmark shares: the servers, the lease and wait of every acquisition, the key of each
 * scenario and the way distcore is put together.
 */
final class LockBenchmarks {

	static final String REDIS_HOST = System.getProperty("distcore.bench.redis.host", "127.0.0.1");

	/** The shared server by default; {@link RoundTripCounts} points it at a private one to count commands. */
	static final int REDIS_PORT = Integer.getInteger("distcore.bench.redis.port", 6379);

	static final String POSTGRES_URL = System.getProperty("distcore.bench.postgres.url",
			"jdbc:postgresql://127.0.0.1:5432/test");

	static final String POSTGRES_USER = "postgres";

	/** Explicit lease of every hold: long enough that no hold expires during an iteration. */
	static final Duration LEASE = Duration.ofSeconds(30);

	/** Wait of every acquisition: generous, so a contended attempt never gives up while the run is healthy. */
	static final Duration WAIT = Duration.ofSeconds(10);

	/** The one lock name all threads of a contended benchmark fight over. */
	static final String CONTENDED_KEY = "contended";

	/** Threads of the contended scenario. */
	static final int CONTENDED_THREADS = 4;

	/** Connections per pool: enough for the contended threads plus a release, equal for every JDBC contender. */
	static final int POOL_SIZE = 8;

	/**
	 * Wraps the driver's data source under each pool: {@link RoundTripCounts} sets a counting proxy before any
	 * state is set up; the benchmarks leave it as the identity.
	 */
	static volatile UnaryOperator<DataSource> driverWrapper = UnaryOperator.identity();

	private LockBenchmarks() {
	}

	/**
	 * A registry as the auto-configuration builds it, without listeners (no metrics), on one backend.
	 */
	static LockRegistry registry(LockBackend backend) {
		return new LockRegistry(InstanceId.generate(), List.of(backend), backend.name(), LEASE, List.of());
	}

	/**
	 * The backend without its {@link HandOverLockBackend} ability, so that the registry passes a lock between local
	 * threads by a release and an acquire: the figure before the one-round-trip hand-over.
	 */
	static LockBackend releaseThenAcquire(LockBackend backend) {
		return new LockBackend() {

			@Override
			public String name() {
				return backend.name();
			}

			@Override
			public Optional<LockGrant> acquire(String name, String owner, Duration leaseTime, Duration waitTime)
					throws InterruptedException {
				return backend.acquire(name, owner, leaseTime, waitTime);
			}

			@Override
			public boolean renew(String name, String owner, Duration leaseTime) {
				return backend.renew(name, owner, leaseTime);
			}

			@Override
			public boolean release(String name, String owner) {
				return backend.release(name, owner);
			}

			@Override
			public void onLoss(LossCallback callback) {
				backend.onLoss(callback);
			}

		};
	}

	static HikariDataSource postgres(String poolName) {
		HikariDataSource dataSource = new HikariDataSource();
		dataSource.setPoolName(poolName);
		PGSimpleDataSource driver = new PGSimpleDataSource();
		driver.setUrl(POSTGRES_URL);
		driver.setUser(POSTGRES_USER);
		dataSource.setDataSource(driverWrapper.apply(driver));
		dataSource.setMaximumPoolSize(POOL_SIZE);
		dataSource.setMinimumIdle(POOL_SIZE);
		return dataSource;
	}

	/** A failed attempt despite the generous wait means the run is broken: say so rather than count it. */
	static void acquired(boolean acquired, String contender, String key) {
		if (!acquired) {
			throw new IllegalStateException(contender + " did not acquire '" + key + "' within " + WAIT);
		}
	}

}
