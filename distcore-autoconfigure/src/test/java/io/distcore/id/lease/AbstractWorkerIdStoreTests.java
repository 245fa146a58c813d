package io.distcore.id.lease;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.distcore.id.ClockMovedBackwardsException;
import io.distcore.id.IdGenerationException;
import io.distcore.id.snowflake.SnowflakeIdGenerator;
import io.distcore.id.snowflake.SnowflakeLayout;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What every {@link WorkerIdStore} must do, run against a real server by each backend's subclass: exclusive
 * claims, takeover after expiry with the previous holder's last timestamp, a generator that stops when its lease
 * is lost or runs out while it waits, no repeated ids when a slot is taken back during a wait, and released ids
 * that are reused across many restarts.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
public abstract class AbstractWorkerIdStoreTests {

	protected static final Duration TTL = Duration.ofSeconds(1);

	protected static final Duration HEARTBEAT = Duration.ofMillis(200);

	private static final Duration HANG = Duration.ofSeconds(20);

	/** One slot only, so that a takeover must land on the slot the crashed holder had. */
	private static final SnowflakeLayout ONE_SLOT = new SnowflakeLayout(SnowflakeLayout.DEFAULT_EPOCH, 51, 0, 0, 12);

	private final List<LeasedWorkerId> leases = new ArrayList<>();

	/**
	 * A new store with its own client, standing for another process; every store of one test shares the same
	 * keys, path or table, unique to the test.
	 * @return the store
	 */
	protected abstract WorkerIdStore newStore();

	/**
	 * Lets another owner take {@code slot} from whoever holds it, as an operator or a split brain might.
	 * @param slot the slot
	 * @param thief the new owner
	 */
	protected abstract void steal(int slot, String thief);

	/**
	 * Frees a slot taken by {@link #steal}.
	 * @param slot the slot
	 * @param thief its owner
	 */
	protected abstract void unsteal(int slot, String thief);

	/**
	 * A store of a process that is about to crash; by default {@link #newStore()}.
	 * @return the store
	 */
	protected WorkerIdStore newCrashingStore() {
		return newStore();
	}

	/**
	 * Makes a store from {@link #newCrashingStore()} act like a crashed process: it renews nothing any more and
	 * its holds run out. By default it just stops renewing.
	 * @param store the store
	 */
	protected void crash(WorkerIdStore store) throws Exception {
	}

	/**
	 * Deletes what the test left in the backend and closes clients; runs after every lease was closed.
	 */
	protected abstract void cleanUp() throws Exception;

	@AfterEach
	void closeLeasesAndCleanUp() throws Exception {
		this.leases.forEach(LeasedWorkerId::close);
		cleanUp();
	}

	@Test
	void leasesHeldAtTheSameTimeHaveDistinctWorkerIds() {
		Set<Integer> slots = new HashSet<>();
		for (int i = 0; i < 8; i++) {
			LeasedWorkerId lease = lease(SnowflakeLayout.DEFAULT);
			assertThat(lease.isValid()).isTrue();
			assertThat(lease.slot()).isEqualTo((int) (lease.datacenterId() << 5 | lease.workerId()));
			slots.add(lease.slot());
		}
		assertThat(slots).hasSize(8);
	}

	@Test
	void aFullSlotSpaceRefusesTheNextClaimNamingTheRemediesUntilAHolderReleases() {
		LeasedWorkerId holder = lease(ONE_SLOT);
		assertThatExceptionOfType(WorkerIdLeaseException.class).isThrownBy(() -> lease(ONE_SLOT))
			.withMessageContaining("All 1 worker ids")
			.withMessageContaining("wait one ttl (" + TTL + ")")
			.withMessageContaining("distcore.id.snowflake.worker-bits");
		holder.close();
		assertThat(lease(ONE_SLOT).slot()).isZero();
	}

	@Test
	void anExpiredIdIsTakenOverWithItsLastTimestampAndNoIdIsIssuedUntilTheClockPassesIt() throws Exception {
		long stored = System.currentTimeMillis() + TimeUnit.HOURS.toMillis(1);
		WorkerIdStore crashed = newCrashingStore();
		String crashedOwner = "crashed-" + UUID.randomUUID();
		Optional<WorkerIdStore.Claim> claim = crashed.claim(crashedOwner, 1, TTL);
		assertThat(claim).isPresent();
		assertThat(crashed.renew(claim.get().slot(), crashedOwner, stored, TTL)).isTrue();
		crash(crashed);
		crashed.close();

		LeasedWorkerId lease = awaitLease(ONE_SLOT);
		assertThat(lease.notAfterPreviousHolder()).isEqualTo(stored);

		MutableClock clock = new MutableClock(stored - 60_000);
		SnowflakeIdGenerator generator = new SnowflakeIdGenerator(ONE_SLOT, lease, clock, Duration.ofMillis(5), false);
		// This clock did not step back: the other host's clock ran ahead, and the message says so.
		assertThatExceptionOfType(IdGenerationException.class).isThrownBy(generator::nextId)
			.isNotInstanceOf(ClockMovedBackwardsException.class)
			.withMessageContaining("slot 0")
			.withMessageContaining("up to " + Instant.ofEpochMilli(stored))
			.withMessageContaining("60001 ms ahead")
			.withMessageContaining("NTP");
		// Equal to the stored timestamp is within max-backward: the generator waits until the clock moves on.
		clock.set(stored);
		Thread ticker = new Thread(() -> {
			try {
				Thread.sleep(100);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			clock.set(stored + 1);
		});
		ticker.start();
		long id = generator.nextId();
		ticker.join();
		assertThat(ONE_SLOT.decode(id).timestamp()).isEqualTo(Instant.ofEpochMilli(stored + 1));
	}

	@Test
	void theGeneratorStopsWhenTheLeaseIsStolenAndResumesOnTheSameIdWhenItIsFreeAgain() throws Exception {
		LeasedWorkerId lease = lease(SnowflakeLayout.DEFAULT);
		SnowflakeIdGenerator generator = new SnowflakeIdGenerator(SnowflakeLayout.DEFAULT, lease, Clock.systemUTC(),
				Duration.ofMillis(5), true);
		long before = generator.nextId();
		String thief = "thief-" + UUID.randomUUID();
		steal(lease.slot(), thief);
		awaitTrue(() -> !lease.isValid());
		assertThatExceptionOfType(IdGenerationException.class).isThrownBy(generator::nextId);
		assertThat(lease.recordTimestamp(System.currentTimeMillis())).as("an invalid lease records no timestamp")
			.isFalse();

		unsteal(lease.slot(), thief);
		awaitTrue(lease::isValid);
		long after = generator.nextId();
		assertThat(after).isGreaterThan(before);
		assertThat(SnowflakeLayout.DEFAULT.decode(after).workerId()).isEqualTo(lease.workerId());
	}

	/**
	 * The slot vanishes under A while A waits for the next millisecond (a failover, or a key that expired while A's
	 * heartbeat was cut off); B takes it, issues ids one millisecond ahead of A's clock and releases it; then A's
	 * heartbeat takes it back. The waiting call read the previous holder's bound before B existed: it must read
	 * it again and wait past B's ids.
	 */
	@Test
	void aSlotTakenBackWhileTheGeneratorWaitsDoesNotRepeatTheInterimHoldersIds() throws Exception {
		GatedWorkerIdStore storeOfA = new GatedWorkerIdStore(newStore());
		storeOfA.holdClaimBacks();
		LeasedWorkerId leaseOfA = lease(storeOfA, ONE_SLOT);
		long now = System.currentTimeMillis();
		MutableClock clockOfA = new MutableClock(now);
		CompletableFuture<Long> waiting = callWaitingForTheNextMillisecond(
				new SnowflakeIdGenerator(ONE_SLOT, leaseOfA, clockOfA, Duration.ofMillis(5), false));

		String thief = "thief-" + UUID.randomUUID();
		steal(0, thief);
		unsteal(0, thief);
		long[] idsOfB;
		try (LeasedWorkerId leaseOfB = LeasedWorkerId.lease(newStore(), "owner-b-" + UUID.randomUUID(), ONE_SLOT, TTL,
				HEARTBEAT)) {
			SnowflakeIdGenerator b = new SnowflakeIdGenerator(ONE_SLOT, leaseOfB, new MutableClock(now + 1),
					Duration.ofMillis(5), false);
			idsOfB = b.nextIds("b", 10);
		}
		storeOfA.openClaimBacks();
		awaitTrue(() -> leaseOfA.isValid() && leaseOfA.notAfterPreviousHolder() >= now + 1);

		clockOfA.set(now + 1);
		Thread.sleep(100);
		clockOfA.set(now + 6);
		long idOfA = waiting.get(HANG.toSeconds(), TimeUnit.SECONDS);
		assertThat(idsOfB).as("ids of B; A issued " + ONE_SLOT.decode(idOfA) + " after taking the slot back")
			.doesNotContain(idOfA);
		assertThat(ONE_SLOT.decode(idOfA).timestamp()).isAfter(Instant.ofEpochMilli(now + 1));
	}

	/** The real lease, not a stand-in: its heartbeat cannot reach the store, and it runs out during the wait. */
	@Test
	void aLeaseThatExpiresWhileTheGeneratorWaitsForTheNextMillisecondIssuesNoId() throws Exception {
		GatedWorkerIdStore store = new GatedWorkerIdStore(newStore());
		LeasedWorkerId lease = lease(store, ONE_SLOT);
		long now = System.currentTimeMillis();
		MutableClock clock = new MutableClock(now);
		CompletableFuture<Long> waiting = callWaitingForTheNextMillisecond(
				new SnowflakeIdGenerator(ONE_SLOT, lease, clock, Duration.ofMillis(5), false));
		store.holdRenewals();
		try {
			awaitTrue(() -> !lease.isValid());
			clock.set(now + 1);
			assertThatExceptionOfType(ExecutionException.class)
				.isThrownBy(() -> waiting.get(HANG.toSeconds(), TimeUnit.SECONDS))
				.withCauseInstanceOf(IdGenerationException.class);
		}
		finally {
			store.openRenewals();
		}
	}

	@Test
	void elevenHundredSequentialStartsReuseReleasedIds() {
		assertThat(SnowflakeLayout.DEFAULT.workerCount()).isEqualTo(1024);
		for (int i = 0; i < 1_100; i++) {
			WorkerIdStore store = newStore();
			LeasedWorkerId lease = LeasedWorkerId.lease(store, "start-" + i + "-" + UUID.randomUUID(),
					SnowflakeLayout.DEFAULT, Duration.ofMinutes(1), Duration.ofSeconds(3));
			lease.recordTimestamp(System.currentTimeMillis());
			lease.close();
		}
	}

	/** Uses up the millisecond of the generator's clock, then starts the call that waits for the next one. */
	private static CompletableFuture<Long> callWaitingForTheNextMillisecond(SnowflakeIdGenerator generator)
			throws InterruptedException {
		generator.nextIds("fill", 4096);
		CompletableFuture<Long> waiting = CompletableFuture.supplyAsync(generator::nextId);
		Thread.sleep(100);
		assertThat(waiting).as("the call that waits for the next millisecond").isNotDone();
		return waiting;
	}

	protected LeasedWorkerId lease(SnowflakeLayout layout) {
		return lease(newStore(), layout);
	}

	private LeasedWorkerId lease(WorkerIdStore store, SnowflakeLayout layout) {
		LeasedWorkerId lease = LeasedWorkerId.lease(store, "owner-" + UUID.randomUUID(), layout, TTL, HEARTBEAT);
		this.leases.add(lease);
		return lease;
	}

	private LeasedWorkerId awaitLease(SnowflakeLayout layout) throws InterruptedException {
		long deadline = System.nanoTime() + HANG.toNanos();
		while (true) {
			try {
				return lease(layout);
			}
			catch (WorkerIdLeaseException ex) {
				assertThat(System.nanoTime() - deadline).as("no lease within " + HANG).isNegative();
				Thread.sleep(100);
			}
		}
	}

	protected static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + HANG.toNanos();
		while (!condition.getAsBoolean()) {
			assertThat(System.nanoTime() - deadline).as("condition not met within " + HANG).isNegative();
			Thread.sleep(20);
		}
	}

	/** A wall clock the test sets. */
	protected static final class MutableClock extends Clock {

		private volatile long millis;

		MutableClock(long millis) {
			this.millis = millis;
		}

		void set(long millis) {
			this.millis = millis;
		}

		@Override
		public long millis() {
			return this.millis;
		}

		@Override
		public Instant instant() {
			return Instant.ofEpochMilli(this.millis);
		}

		@Override
		public java.time.ZoneId getZone() {
			return ZoneOffset.UTC;
		}

		@Override
		public Clock withZone(java.time.ZoneId zone) {
			return this;
		}

	}

}
