package io.distcore.lock;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * A holder that is still running when its process shuts down: it takes a watchdog-renewed hold on a thread
 * of its own, keeps it until {@link #finish()}, then checks that it no longer believes it holds the lock and
 * unlocks.
 */
final class HoldingThread {

	/** Far above any wait here: reaching it means something hung. */
	private static final Duration HANG = Duration.ofSeconds(20);

	private final CountDownLatch held = new CountDownLatch(1);

	private final CountDownLatch finish = new CountDownLatch(1);

	private final Future<Throwable> unlocked;

	private HoldingThread(ExecutorService pool, Supplier<NamedLock> lock) {
		this.unlocked = pool.submit(() -> {
			NamedLock hold = lock.get();
			assertThat(hold.tryLock(Duration.ZERO)).isTrue();
			this.held.countDown();
			this.finish.await();
			assertThat(hold.isHeldByCurrentOwner()).isFalse();
			return catchThrowable(hold::unlock);
		});
	}

	/**
	 * Starts a holder and returns once it holds the lock.
	 * @param pool where the holder runs
	 * @param lock supplies the lock, on the holder's thread
	 * @return the running holder
	 */
	static HoldingThread start(ExecutorService pool, Supplier<NamedLock> lock) throws InterruptedException {
		HoldingThread holder = new HoldingThread(pool, lock);
		assertThat(holder.held.await(HANG.toSeconds(), TimeUnit.SECONDS)).as("lock taken").isTrue();
		return holder;
	}

	/**
	 * Lets the holder go on to its unlock.
	 * @return what the unlock threw, {@code null} if nothing
	 */
	Throwable finish() throws Exception {
		this.finish.countDown();
		return this.unlocked.get(HANG.toSeconds(), TimeUnit.SECONDS);
	}

}
