package io.distcore.id.snowflake;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import io.distcore.id.ClockMovedBackwardsException;
import io.distcore.id.IdGenerationException;
import io.distcore.test.MutableClock;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class SnowflakeIdGeneratorTests {

	private static final SnowflakeLayout LAYOUT = SnowflakeLayout.DEFAULT;

	private static final Instant NOW = Instant.parse("2026-11-27T00:00:00Z");

	@Test
	void idsCarryTheirPartsAndIncrease() {
		SnowflakeIdGenerator generator = new SnowflakeIdGenerator(LAYOUT, WorkerIdLease.fixed(3, 7), Clock.systemUTC(),
				Duration.ofMillis(5), false);
		long previous = 0;
		for (int i = 0; i < 10_000; i++) {
			long id = generator.nextId();
			assertThat(id).isGreaterThan(previous);
			previous = id;
		}
		SnowflakeId parts = LAYOUT.decode(previous);
		assertThat(parts.datacenterId()).isEqualTo(3);
		assertThat(parts.workerId()).isEqualTo(7);
		assertThat(Duration.between(parts.timestamp(), Instant.now()).abs()).isLessThan(Duration.ofSeconds(5));
	}

	@Test
	void aFullMillisecondWaitsForTheNextOne() {
		MutableClock clock = new MutableClock(NOW, 0);
		SnowflakeIdGenerator generator = new SnowflakeIdGenerator(LAYOUT, WorkerIdLease.fixed(0, 1), clock,
				Duration.ofMillis(5), false);
		long[] first = generator.nextIds("any", 4096);
		assertThat(LAYOUT.decode(first[4095]).sequence()).isEqualTo(4095);
		CompletableFuture<Long> overflow = CompletableFuture.supplyAsync(generator::nextId);
		assertThat(overflow).isNotDone();
		clock.add(1);
		long next = overflow.join();
		assertThat(LAYOUT.decode(next).timestamp()).isEqualTo(NOW.plusMillis(1));
		assertThat(LAYOUT.decode(next).sequence()).isZero();
	}

	@Test
	void theFirstSequenceOfAMillisecondMayBeRandom() {
		MutableClock clock = new MutableClock(NOW, 1);
		SnowflakeIdGenerator generator = new SnowflakeIdGenerator(LAYOUT, WorkerIdLease.fixed(0, 1), clock,
				Duration.ofMillis(5), true);
		long odd = 0;
		for (int i = 0; i < 2000; i++) {
			long sequence = LAYOUT.decode(generator.nextId()).sequence();
			assertThat(sequence).isBetween(0L, 99L);
			odd += sequence % 2;
		}
		assertThat(odd).isBetween(700L, 1300L);
	}

	@Test
	void aSmallBackwardStepIsWaitedOutWithoutADuplicate() throws Exception {
		MutableClock clock = new MutableClock(NOW, 0);
		SnowflakeIdGenerator generator = new SnowflakeIdGenerator(LAYOUT, WorkerIdLease.fixed(0, 1), clock,
				Duration.ofMillis(5), false);
		long before = generator.nextId();
		clock.add(-4);
		CompletableFuture<Long> after = CompletableFuture.supplyAsync(generator::nextId);
		Thread.sleep(50);
		assertThat(after).isNotDone();
		clock.add(4);
		assertThat(after.get(5, TimeUnit.SECONDS)).isGreaterThan(before);
	}

	@Test
	void aLargeBackwardStepFailsWithTheOffsetAndNeverRepeatsAnId() {
		MutableClock clock = new MutableClock(NOW, 0);
		SnowflakeIdGenerator generator = new SnowflakeIdGenerator(LAYOUT, WorkerIdLease.fixed(0, 1), clock,
				Duration.ofMillis(5), false);
		long[] issued = generator.nextIds("t", 100);
		clock.add(-1000);
		assertThatExceptionOfType(ClockMovedBackwardsException.class).isThrownBy(generator::nextId)
			.satisfies((ex) -> assertThat(ex.getOffset()).isEqualTo(Duration.ofMillis(1000)))
			.withMessageContaining("distcore.id.snowflake.max-backward");
		clock.add(1000);
		long next = generator.nextId();
		assertThat(Arrays.stream(issued).max().getAsLong()).isLessThan(next);
	}

	@Test
	void aNewHolderWaitsUntilItsClockIsPastThePreviousHoldersLastTimestamp() {
		MutableClock clock = new MutableClock(NOW, 0);
		long previousHolderLast = NOW.toEpochMilli() + 3;
		SnowflakeIdGenerator generator = new SnowflakeIdGenerator(LAYOUT, lease(previousHolderLast, new AtomicBoolean(true)),
				clock, Duration.ofMillis(5), false);
		CompletableFuture<Long> first = CompletableFuture.supplyAsync(generator::nextId);
		clock.add(4);
		assertThat(LAYOUT.decode(first.join()).timestamp().toEpochMilli()).isGreaterThan(previousHolderLast);

	}

	@Test
	void aPreviousHolderFarAheadFailsNamingItsTimeAndTheClocksOfTheHostsNotABackwardStep() {
		SnowflakeIdGenerator farBehind = new SnowflakeIdGenerator(LAYOUT,
				lease(NOW.toEpochMilli() + 60_000, new AtomicBoolean(true)), new MutableClock(NOW, 0), Duration.ofMillis(5),
				false);
		assertThatExceptionOfType(IdGenerationException.class).isThrownBy(farBehind::nextId)
			.isNotInstanceOf(ClockMovedBackwardsException.class)
			.withMessageContaining("leased datacenter 0 worker 2")
			.withMessageContaining("up to " + NOW.plusMillis(60_000))
			.withMessageContaining("60001 ms ahead of this host's clock (" + NOW + ")")
			.withMessageContaining("distcore.id.snowflake.max-backward")
			.withMessageContaining("NTP");
	}

	@Test
	void aLostLeaseStopsTheGenerator() {
		AtomicBoolean valid = new AtomicBoolean(true);
		SnowflakeIdGenerator generator = new SnowflakeIdGenerator(LAYOUT, lease(0, valid), Clock.systemUTC(),
				Duration.ofMillis(5), false);
		generator.nextId();
		valid.set(false);
		assertThatExceptionOfType(IdGenerationException.class).isThrownBy(generator::nextId)
			.withMessageContaining("not held");
		valid.set(true);
		generator.nextId();
	}

	@Test
	void aLeaseThatExpiresWhileABackwardStepIsWaitedOutIssuesNoId() throws Exception {
		MutableClock clock = new MutableClock(NOW, 0);
		AtomicBoolean valid = new AtomicBoolean(true);
		SnowflakeIdGenerator generator = new SnowflakeIdGenerator(LAYOUT, lease(0, valid), clock, Duration.ofMillis(5),
				false);
		generator.nextId();
		clock.add(-4);
		assertNoIdWhenTheLeaseExpiresDuringTheWait(generator, valid, () -> clock.add(4));
	}

	@Test
	void aLeaseThatExpiresWhileAFullMillisecondIsWaitedOutIssuesNoId() throws Exception {
		MutableClock clock = new MutableClock(NOW, 0);
		AtomicBoolean valid = new AtomicBoolean(true);
		SnowflakeIdGenerator generator = new SnowflakeIdGenerator(LAYOUT, lease(0, valid), clock, Duration.ofMillis(5),
				false);
		generator.nextIds("full", 4096);
		assertNoIdWhenTheLeaseExpiresDuringTheWait(generator, valid, () -> clock.add(1));
	}

	/** Starts a call that waits for the clock, ends the lease, lets the clock move on: the call must fail. */
	private static void assertNoIdWhenTheLeaseExpiresDuringTheWait(SnowflakeIdGenerator generator, AtomicBoolean valid,
			Runnable moveClock) throws InterruptedException {
		CompletableFuture<Long> waiting = CompletableFuture.supplyAsync(generator::nextId);
		Thread.sleep(50);
		assertThat(waiting).isNotDone();
		valid.set(false);
		moveClock.run();
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> waiting.get(5, TimeUnit.SECONDS))
			.withCauseInstanceOf(IdGenerationException.class)
			.withMessageContaining("not held");
	}

	@Test
	void aLeaseThatRefusesTheTimestampIssuesNoId() {
		AtomicBoolean valid = new AtomicBoolean(true);
		AtomicBoolean records = new AtomicBoolean(true);
		SnowflakeIdGenerator generator = new SnowflakeIdGenerator(LAYOUT, lease(0, valid, records),
				new MutableClock(NOW, 1), Duration.ofMillis(5), false);
		generator.nextId();
		records.set(false);
		assertThatExceptionOfType(IdGenerationException.class).isThrownBy(() -> generator.nextIds("t", 10_000));
	}

	@Test
	void aClockBeforeTheEpochIssuesNoNegativeId() {
		MutableClock clock = new MutableClock(LAYOUT.epoch().minusMillis(3), 1);
		SnowflakeIdGenerator generator = new SnowflakeIdGenerator(LAYOUT, WorkerIdLease.fixed(0, 1), clock,
				Duration.ofMillis(5), false);
		assertThatExceptionOfType(IdGenerationException.class).isThrownBy(generator::nextId)
			.withMessageContaining("epoch");
	}

	@Test
	void workerIdsThatDoNotFitTheLayoutFailTheFirstId() {
		SnowflakeIdGenerator datacenter = new SnowflakeIdGenerator(LAYOUT, WorkerIdLease.fixed(32, 0),
				Clock.systemUTC(), Duration.ZERO, false);
		assertThatExceptionOfType(IdGenerationException.class).isThrownBy(datacenter::nextId)
			.withMessageContaining("Datacenter id 32");
		SnowflakeIdGenerator worker = new SnowflakeIdGenerator(LAYOUT, WorkerIdLease.fixed(0, -1), Clock.systemUTC(),
				Duration.ZERO, false);
		assertThatExceptionOfType(IdGenerationException.class).isThrownBy(worker::nextId)
			.withMessageContaining("Worker id -1");
	}

	@Test
	void concurrentCallersNeverShareAnId() throws Exception {
		SnowflakeIdGenerator generator = new SnowflakeIdGenerator(LAYOUT, WorkerIdLease.fixed(1, 1), Clock.systemUTC(),
				Duration.ofMillis(5), true);
		long[][] perThread = new long[4][];
		CompletableFuture<?>[] threads = new CompletableFuture<?>[4];
		for (int t = 0; t < 4; t++) {
			int index = t;
			threads[t] = CompletableFuture.runAsync(() -> perThread[index] = generator.nextIds("t", 200_000));
		}
		CompletableFuture.allOf(threads).get(60, TimeUnit.SECONDS);
		long[] all = Arrays.stream(perThread).flatMapToLong(Arrays::stream).sorted().toArray();
		for (int i = 1; i < all.length; i++) {
			assertThat(all[i]).isNotEqualTo(all[i - 1]);
		}
	}

	private static WorkerIdLease lease(long previousHolderLast, AtomicBoolean valid) {
		return lease(previousHolderLast, valid, new AtomicBoolean(true));
	}

	private static WorkerIdLease lease(long previousHolderLast, AtomicBoolean valid, AtomicBoolean records) {
		return new WorkerIdLease() {

			@Override
			public long datacenterId() {
				return 0;
			}

			@Override
			public long workerId() {
				return 2;
			}

			@Override
			public boolean isValid() {
				return valid.get();
			}

			@Override
			public long notAfterPreviousHolder() {
				return previousHolderLast;
			}

			@Override
			public boolean recordTimestamp(long epochMillis) {
				return records.get();
			}

			@Override
			public String toString() {
				return "leased datacenter 0 worker 2";
			}

		};
	}

}
