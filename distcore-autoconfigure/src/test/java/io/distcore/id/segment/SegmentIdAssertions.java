package io.distcore.id.segment;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import io.distcore.id.IdGenerator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Checks shared by the segment generator tests of every source.
 */
public final class SegmentIdAssertions {

	private SegmentIdAssertions() {
	}

	/**
	 * Has {@code threadsPerGenerator} threads on each generator take {@code idsPerThread} ids of one tag, mixing
	 * single ids and small batches, and checks that every thread saw increasing ids and nobody saw a duplicate.
	 * @param generators generators standing for separate processes
	 * @param tag the tag
	 * @param threadsPerGenerator threads per generator
	 * @param idsPerThread ids each thread takes
	 * @return all ids, sorted
	 */
	public static long[] assertUniqueAndIncreasingPerThread(List<? extends IdGenerator> generators, String tag,
			int threadsPerGenerator, int idsPerThread) throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(generators.size() * threadsPerGenerator);
		try {
			List<Future<long[]>> results = new ArrayList<>();
			for (IdGenerator generator : generators) {
				for (int t = 0; t < threadsPerGenerator; t++) {
					results.add(pool.submit(() -> take(generator, tag, idsPerThread)));
				}
			}
			long[] all = new long[results.size() * idsPerThread];
			int offset = 0;
			for (Future<long[]> result : results) {
				long[] ids = result.get(120, TimeUnit.SECONDS);
				for (int i = 1; i < ids.length; i++) {
					if (ids[i] <= ids[i - 1]) {
						throw new AssertionError("Ids of one thread went down: " + ids[i - 1] + " then " + ids[i]);
					}
				}
				System.arraycopy(ids, 0, all, offset, ids.length);
				offset += ids.length;
			}
			Arrays.sort(all);
			assertThat(all[0]).isPositive();
			for (int i = 1; i < all.length; i++) {
				if (all[i] == all[i - 1]) {
					throw new AssertionError("Duplicate id " + all[i]);
				}
			}
			return all;
		}
		finally {
			pool.shutdownNow();
		}
	}

	private static long[] take(IdGenerator generator, String tag, int count) {
		long[] ids = new long[count];
		int filled = 0;
		while (filled < count) {
			if (filled % 50 == 0 && count - filled >= 7) {
				long[] batch = generator.nextIds(tag, 7);
				System.arraycopy(batch, 0, ids, filled, batch.length);
				filled += batch.length;
			}
			else {
				ids[filled++] = generator.nextId(tag);
			}
		}
		return ids;
	}

	/**
	 * Waits, within a generous bound, until a condition holds.
	 * @param description what is awaited, for the failure message
	 * @param condition the condition
	 */
	public static void await(String description, BooleanSupplier condition) throws InterruptedException {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new AssertionError("Timed out waiting until " + description);
			}
			Thread.sleep(5);
		}
	}

	/**
	 * Takes ids of a tag up to and including {@code last}, checking they are consecutive.
	 * @param generator the generator
	 * @param tag the tag
	 * @param next the id expected first
	 * @param last the id expected last
	 */
	public static void takeThrough(IdGenerator generator, String tag, long next, long last) {
		for (long expected = next; expected <= last; expected++) {
			assertThat(generator.nextId(tag)).isEqualTo(expected);
		}
	}

}
