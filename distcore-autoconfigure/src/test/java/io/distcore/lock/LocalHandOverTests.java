package io.distcore.lock;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The claim of a waiter by a releasing holder against the waiter's own deadline and interrupt, step by step: the
 * races the contract suite can only hope to hit.
 */
class LocalHandOverTests {

	private static final Duration LEASE = Duration.ofSeconds(30);

	private static final long FAR = TimeUnit.MINUTES.toNanos(1);

	private final LocalHandOver handOver = new LocalHandOver();

	private final ExecutorService pool = Executors.newSingleThreadExecutor();

	@AfterEach
	void shutDown() {
		this.pool.shutdownNow();
	}

	@Test
	void aWaiterClaimedBeforeItsDeadlineTakesTheHoldPassedToItAfterTheDeadline() throws Exception {
		LocalHandOver.Turn holder = this.handOver.await("name", "holder", LEASE, System.nanoTime() + FAR);
		Future<LocalHandOver.Turn> waiter = this.pool
			.submit(() -> this.handOver.await("name", "waiter", LEASE, System.nanoTime() + TimeUnit.SECONDS.toNanos(1)));
		LocalHandOver.Waiter claimed = claimWhenQueued(holder);
		assertThat(claimed.owner()).isEqualTo("waiter");
		// The backend answers after the waiter's deadline: the waiter must still be there to take the hold.
		Thread.sleep(1500);
		assertThat(waiter.isDone()).isFalse();
		LockGrant grant = new LockGrant(42, System.nanoTime());
		claimed.complete(grant);
		LocalHandOver.Turn turn = waiter.get(10, TimeUnit.SECONDS);
		assertThat(turn).isNotNull();
		assertThat(turn.takeHandedOver()).isEqualTo(grant);
		assertThat(turn.takeHandedOver()).isNull();
		holder.end();
		turn.end();
	}

	@Test
	void aWaiterThatGaveUpIsNeverClaimed() throws Exception {
		LocalHandOver.Turn holder = this.handOver.await("name", "holder", LEASE, System.nanoTime() + FAR);
		Future<LocalHandOver.Turn> waiter = this.pool
			.submit(() -> this.handOver.await("name", "waiter", LEASE, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(50)));
		assertThat(waiter.get(10, TimeUnit.SECONDS)).isNull();
		assertThat(holder.claimNext()).isNull();
		holder.end();
	}

	@Test
	void aClaimedWaiterThatIsInterruptedStillTakesTheHoldAndKeepsTheInterrupt() throws Exception {
		LocalHandOver.Turn holder = this.handOver.await("name", "holder", LEASE, System.nanoTime() + FAR);
		AtomicBoolean interruptKept = new AtomicBoolean();
		Thread[] waiterThread = new Thread[1];
		Future<LocalHandOver.Turn> waiter = this.pool.submit(() -> {
			waiterThread[0] = Thread.currentThread();
			LocalHandOver.Turn turn = this.handOver.await("name", "waiter", LEASE, System.nanoTime() + FAR);
			interruptKept.set(Thread.interrupted());
			return turn;
		});
		LocalHandOver.Waiter claimed = claimWhenQueued(holder);
		waiterThread[0].interrupt();
		Thread.sleep(100);
		assertThat(waiter.isDone()).isFalse();
		claimed.complete(null);
		LocalHandOver.Turn turn = waiter.get(10, TimeUnit.SECONDS);
		assertThat(turn).isNotNull();
		// Nothing was passed on: the turn asks the backend itself, and holds the queue meanwhile.
		assertThat(turn.takeHandedOver()).isNull();
		assertThat(interruptKept).isTrue();
		turn.end();
	}

	@Test
	void anInterruptedWaiterThatWasNotClaimedLeavesTheQueue() throws Exception {
		LocalHandOver.Turn holder = this.handOver.await("name", "holder", LEASE, System.nanoTime() + FAR);
		Thread[] waiterThread = new Thread[1];
		Future<LocalHandOver.Turn> waiter = this.pool.submit(() -> {
			waiterThread[0] = Thread.currentThread();
			return this.handOver.await("name", "waiter", LEASE, System.nanoTime() + FAR);
		});
		while (waiterThread[0] == null) {
			Thread.sleep(5);
		}
		Thread.sleep(100);
		waiterThread[0].interrupt();
		assertThatExceptionOfType(ExecutionException.class)
			.isThrownBy(() -> waiter.get(10, TimeUnit.SECONDS))
			.withCauseInstanceOf(InterruptedException.class);
		assertThat(holder.claimNext()).isNull();
		holder.end();
	}

	/** Claims the next waiter as soon as it has queued behind {@code holder}. */
	private static LocalHandOver.Waiter claimWhenQueued(LocalHandOver.Turn holder) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (System.nanoTime() - deadline < 0) {
			LocalHandOver.Waiter next = holder.claimNext();
			if (next != null) {
				return next;
			}
			Thread.sleep(1);
		}
		throw new AssertionError("No waiter queued behind the holder");
	}

}
