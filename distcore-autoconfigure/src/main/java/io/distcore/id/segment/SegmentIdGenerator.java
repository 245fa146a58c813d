package io.distcore.id.segment;

import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

import io.distcore.id.IdGenerationException;
import io.distcore.id.IdGenerator;
import io.distcore.id.SegmentUnavailableException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.util.Assert;

/**
 * Ids handed out from segments reserved per tag from a {@link SegmentSource}, with a double buffer as in
 * Meituan's Leaf: once {@code prefetchThreshold} of the current segment is used, the next one is fetched on a
 * background thread, so callers never fetch a segment themselves while the source keeps up. As in Leaf, every
 * id past the threshold starts that fetch while none is in flight or done, so a fetch that could not start or
 * failed is tried again on the next id; a caller only waits when the whole segment is spent before the fetch
 * returns.
 * <p>
 * Guarantees:
 * <ul>
 * <li>Ids of a tag are unique across all generators sharing the source, and increase for each caller: a call
 * that happens after another (same thread, or ordered by synchronization) gets a larger id. Ids of
 * concurrent calls are in no particular order.</li>
 * <li>Ids are not gap-free: ids of a segment not used up when the process stops, of a batch that failed
 * halfway, or taken by other processes are skipped.</li>
 * <li>Taking an id from a buffered segment is one atomic increment, without locks or allocation.</li>
 * <li>When the backend cannot be reached, ids keep coming from the buffered segments until they are spent;
 * then calls fail with {@link SegmentUnavailableException} after at most one fetch attempt of their own (the
 * source's timeouts), and callers that queued behind a failing attempt fail with it at once.</li>
 * <li>A source answering with a segment at or below the highest id this generator already reserved for the tag
 * (a Redis counter lost without persistence, a table row reset) is never used: the call fails with an
 * {@link IdGenerationException} naming the tag and both numbers instead of risking duplicates. Calls keep
 * failing until the counter has passed that id again.</li>
 * </ul>
 * {@link #close()} stops the background fetcher; afterwards buffered ids are still handed out and then calls
 * fail.
 */
public final class SegmentIdGenerator implements IdGenerator, AutoCloseable {

	/** Tag of {@link #nextId()}. */
	public static final String DEFAULT_TAG = "default";

	private static final Log logger = LogFactory.getLog(SegmentIdGenerator.class);

	private final SegmentSource source;

	private final SegmentSettings settings;

	private final Clock clock;

	private final ExecutorService prefetcher;

	private final Map<String, Sequence> sequences = new ConcurrentHashMap<>();

	private volatile boolean closed;

	/**
	 * Creates a generator; nothing is fetched until the first id of a tag is asked for.
	 * @param source where segments come from
	 * @param settings step and prefetch settings
	 * @param clock measures how long segments last, for dynamic stepping
	 */
	public SegmentIdGenerator(SegmentSource source, SegmentSettings settings, Clock clock) {
		Assert.notNull(source, "Segment source must not be null");
		Assert.notNull(settings, "Segment settings must not be null");
		Assert.notNull(clock, "Clock must not be null");
		this.source = source;
		this.settings = settings;
		this.clock = clock;
		this.prefetcher = Executors.newCachedThreadPool(new PrefetchThreads());
	}

	@Override
	public long nextId() {
		return nextId(DEFAULT_TAG);
	}

	@Override
	public long nextId(String tag) {
		Sequence sequence = sequence(tag);
		Buffer buffer = sequence.current;
		long id = buffer.cursor.getAndIncrement();
		if (id <= buffer.last) {
			if (id >= buffer.prefetchAt) {
				sequence.prefetch(buffer);
			}
			return id;
		}
		return nextIds(sequence, buffer, new long[1])[0];
	}

	/**
	 * {@inheritDoc}
	 * <p>
	 * Taken from the current segment in one step where it holds enough ids; otherwise the rest comes from the
	 * following segments.
	 */
	@Override
	public long[] nextIds(String tag, int count) {
		if (count < 1) {
			throw new IllegalArgumentException("Count must be at least 1, was " + count);
		}
		Sequence sequence = sequence(tag);
		return nextIds(sequence, sequence.current, new long[count]);
	}

	private long[] nextIds(Sequence sequence, Buffer start, long[] ids) {
		long arrived = System.nanoTime();
		Buffer buffer = start;
		int filled = 0;
		while (true) {
			int wanted = ids.length - filled;
			long first = buffer.cursor.getAndAdd(wanted);
			if (first <= buffer.last) {
				long last = Math.min(buffer.last, first + wanted - 1);
				for (long id = first; id <= last; id++) {
					ids[filled++] = id;
				}
				if (last >= buffer.prefetchAt) {
					sequence.prefetch(buffer);
				}
				if (filled == ids.length) {
					return ids;
				}
			}
			buffer = sequence.advance(buffer, arrived);
		}
	}

	/**
	 * Ids buffered for a tag: what is left of the current segment plus the next segment if it was fetched.
	 * @param tag sequence name
	 * @return the count, 0 for a tag not used yet
	 */
	public long bufferedIds(String tag) {
		Sequence sequence = this.sequences.get(tag);
		return (sequence != null) ? sequence.buffered() : 0;
	}

	/**
	 * Stops the background fetcher. A fetch already running finishes (within the source's timeouts) so that
	 * nobody waiting for it hangs; no new one starts.
	 */
	@Override
	public void close() {
		this.closed = true;
		this.prefetcher.shutdown();
	}

	private Sequence sequence(String tag) {
		Sequence sequence = this.sequences.get(tag);
		if (sequence != null) {
			return sequence;
		}
		Assert.hasText(tag, "Tag must not be empty");
		return this.sequences.computeIfAbsent(tag, Sequence::new);
	}

	/** One segment being handed out: ids {@code cursor..last}, the cursor running past last once it is spent. */
	private static final class Buffer {

		final long last;

		final long prefetchAt;

		final AtomicLong cursor;

		Buffer(long first, long last, long prefetchAt) {
			this.last = last;
			this.prefetchAt = prefetchAt;
			this.cursor = new AtomicLong(first);
		}

		long remaining() {
			return Math.max(0, this.last - this.cursor.get() + 1);
		}

	}

	/** The state of one tag. */
	private final class Sequence {

		private final String tag;

		private final ReentrantLock lock = new ReentrantLock();

		// Read without the lock for every id, replaced under it. Starts spent, so the first call fetches.
		volatile Buffer current = new Buffer(1, 0, -1);

		// The fetch of the segment after current: in flight, done, or failed; null once consumed. Every fetch,
		// background or not, is started only by the thread that swapped its future in for null or a failed one.
		private final AtomicReference<CompletableFuture<Buffer>> pending = new AtomicReference<>();

		private volatile Failure lastFailure;

		private volatile boolean prefetchFailing;

		// Only fetch() touches these, and at most one fetch per tag runs at a time: a new one starts only once the
		// pending one failed or was consumed (see pending).
		private long step;

		private long highestReserved;

		private long lastFetchMillis;

		Sequence(String tag) {
			this.tag = tag;
			this.step = SegmentIdGenerator.this.settings.step();
		}

		/**
		 * Starts fetching the segment after {@code buffer} in the background, unless a fetch is in flight or done,
		 * or {@code buffer} was replaced. Lock-free: a caller never waits here, and none is skipped because another
		 * thread is switching segments.
		 */
		void prefetch(Buffer buffer) {
			CompletableFuture<Buffer> fetch = this.pending.get();
			if ((fetch != null && !fetch.isCompletedExceptionally()) || this.current != buffer
					|| SegmentIdGenerator.this.closed) {
				return;
			}
			CompletableFuture<Buffer> next = new CompletableFuture<>();
			if (!this.pending.compareAndSet(fetch, next)) {
				return;
			}
			try {
				SegmentIdGenerator.this.prefetcher.execute(() -> complete(next, true));
			}
			catch (RejectedExecutionException ex) {
				next.completeExceptionally(closed());
			}
		}

		/** Runs a fetch into its future; whatever it throws completes the future, so that no waiter hangs. */
		private void complete(CompletableFuture<Buffer> target, boolean background) {
			try {
				target.complete(fetch());
				this.prefetchFailing = false;
			}
			catch (Throwable ex) {
				if (background) {
					logPrefetchFailure(ex);
				}
				target.completeExceptionally(ex);
			}
		}

		private void logPrefetchFailure(Throwable ex) {
			if (SegmentIdGenerator.this.closed || this.prefetchFailing) {
				return;
			}
			// Logged once until a fetch succeeds again: the next ids retry it.
			this.prefetchFailing = true;
			if (ex instanceof SegmentUnavailableException) {
				logger.warn("Prefetching the next id segment of tag '" + this.tag + "' failed; ids come from the "
						+ "current segment, and the next ids try again: " + ex.getMessage());
			}
			else {
				logger.error("Prefetching the next id segment of tag '" + this.tag + "' failed: " + ex.getMessage());
			}
		}

		/**
		 * Replaces a spent buffer with the next segment: the prefetched one, the one being prefetched, or (when
		 * there is none, or it failed) one fetched now.
		 */
		Buffer advance(Buffer spent, long arrived) {
			this.lock.lock();
			try {
				Buffer current = this.current;
				if (current != spent) {
					return current;
				}
				Failure failure = this.lastFailure;
				if (failure != null && failure.at - arrived >= 0) {
					throw failure.again(this.tag);
				}
				CompletableFuture<Buffer> fetch = this.pending.get();
				if (fetch == null || fetch.isCompletedExceptionally()) {
					if (SegmentIdGenerator.this.closed) {
						throw closed();
					}
					CompletableFuture<Buffer> own = new CompletableFuture<>();
					if (this.pending.compareAndSet(fetch, own)) {
						complete(own, false);
					}
					// Our own fetch, or a prefetch that started just before it.
					fetch = this.pending.get();
				}
				try {
					Buffer next = await(fetch);
					// Cleared before next is published: a prefetch for next must not find the consumed future.
					this.pending.compareAndSet(fetch, null);
					this.current = next;
					this.lastFailure = null;
					return next;
				}
				catch (RuntimeException ex) {
					this.pending.compareAndSet(fetch, null);
					this.lastFailure = new Failure(ex, System.nanoTime());
					throw ex;
				}
			}
			finally {
				this.lock.unlock();
			}
		}

		private SegmentUnavailableException closed() {
			return new SegmentUnavailableException(
					"The segment id generator is closed and has no ids left for tag '" + this.tag + "'");
		}

		private Buffer fetch() {
			SegmentSettings settings = SegmentIdGenerator.this.settings;
			long now = SegmentIdGenerator.this.clock.millis();
			long step = nextStep(settings, now);
			Segment segment;
			try {
				segment = SegmentIdGenerator.this.source.next(this.tag, step);
			}
			catch (IllegalArgumentException ex) {
				// A counter below 1 (set by hand, or a negative step by another program) yields no valid segment.
				throw new IdGenerationException("The id counter of tag '" + this.tag + "' is unusable: "
						+ ex.getMessage(), ex);
			}
			if (segment.first() <= this.highestReserved) {
				throw new IdGenerationException("The id counter of tag '" + this.tag + "' went backwards: the source "
						+ "returned segment [" + segment.first() + ", " + segment.last() + "] but this generator "
						+ "already reserved ids up to " + this.highestReserved + ". Its backend lost or reset the "
						+ "counter; refusing to issue ids that may be duplicates until the counter passes "
						+ this.highestReserved + " (raise it above that to resume at once).");
			}
			if (settings.dynamicStep() && step != this.step) {
				logger.info("Id segment step of tag '" + this.tag + "' is now " + step + " (was " + this.step + ")");
			}
			this.step = step;
			this.highestReserved = segment.last();
			this.lastFetchMillis = now;
			long size = segment.size();
			long prefetchAt = segment.first() + Math.min(size - 1, (long) (size * settings.prefetchThreshold()));
			return new Buffer(segment.first(), segment.last(), prefetchAt);
		}

		/** Leaf's rule: the time since the previous fetch is how long the previous segment lasted. */
		private long nextStep(SegmentSettings settings, long now) {
			if (!settings.dynamicStep() || this.highestReserved == 0) {
				return this.step;
			}
			long lasted = now - this.lastFetchMillis;
			if (lasted < settings.fastSegment().toMillis()) {
				return Math.min(this.step * 2, settings.maxStep());
			}
			if (lasted > settings.slowSegment().toMillis()) {
				return Math.max(this.step / 2, settings.step());
			}
			return this.step;
		}

		private Buffer await(CompletableFuture<Buffer> fetch) {
			try {
				return fetch.join();
			}
			catch (CompletionException ex) {
				Throwable cause = unwrap(ex);
				if (cause instanceof RuntimeException runtime) {
					throw runtime;
				}
				throw new SegmentUnavailableException("Could not fetch an id segment of tag '" + this.tag + "'", cause);
			}
		}

		long buffered() {
			long remaining = this.current.remaining();
			CompletableFuture<Buffer> fetch = this.pending.get();
			if (fetch != null && fetch.isDone() && !fetch.isCompletedExceptionally()) {
				remaining += fetch.join().remaining();
			}
			return remaining;
		}

	}

	private static Throwable unwrap(Throwable ex) {
		return (ex instanceof CompletionException && ex.getCause() != null) ? ex.getCause() : ex;
	}

	/** A failed fetch, so that callers who queued behind it fail at once instead of each trying again. */
	private record Failure(RuntimeException cause, long at) {

		IdGenerationException again(String tag) {
			String message = "No ids left for tag '" + tag + "': fetching its next segment just failed: "
					+ this.cause.getMessage();
			return (this.cause instanceof SegmentUnavailableException) ? new SegmentUnavailableException(message, this.cause)
					: new IdGenerationException(message, this.cause);
		}

	}

	private static final class PrefetchThreads implements ThreadFactory {

		private final AtomicInteger count = new AtomicInteger();

		@Override
		public Thread newThread(Runnable task) {
			Thread thread = new Thread(task, "distcore-segment-prefetch-" + this.count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		}

	}

}
