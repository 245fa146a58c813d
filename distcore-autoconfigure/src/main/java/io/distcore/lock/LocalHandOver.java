package io.distcore.lock;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongUnaryOperator;

/**
 * Queues the threads of this process that want one lock name on one backend, first come first served, so that
 * only the head of the queue asks the backend and a release passes to the next local waiter at once instead of
 * at its next poll or wake-up. The queue only orders attempts: every hold still comes from the backend, with a
 * fencing token of its own, and the backend alone decides who holds the lock. A turn whose hold no longer
 * excludes (its lease ran out, it was lost) stops holding up the queue: waiters then go to the backend past it,
 * so a hold that is never released delays local waiters no longer than it delays other processes.
 * <p>
 * State per name lives only while a thread waits for or has a turn.
 */
final class LocalHandOver {

	/** Answer of a turn that is still being acquired or released: it excludes until it is done. */
	static final long UNTIL_DONE = Long.MAX_VALUE;

	private final Map<String, Queue> queues = new ConcurrentHashMap<>();

	/**
	 * Waits for the turn of the calling thread on {@code name}.
	 * @param name lock name
	 * @param deadline {@link System#nanoTime()} after which to give up
	 * @return the turn, to {@link Turn#end() end} once the hold it stands for is over; {@code null} if the
	 * deadline passed first
	 * @throws InterruptedException if interrupted while waiting; no turn is taken then
	 */
	Turn await(String name, long deadline) throws InterruptedException {
		Queue queue = this.queues.compute(name, (key, existing) -> {
			Queue joined = (existing != null) ? existing : new Queue(key);
			joined.users++;
			return joined;
		});
		boolean waiting = true;
		try {
			while (true) {
				long now = System.nanoTime();
				long remaining = Math.max(0, deadline - now);
				Turn current = queue.current;
				long slice = remaining;
				if (current != null) {
					long excludesFor = current.excludesFor.applyAsLong(now);
					if (excludesFor <= 0) {
						waiting = false;
						return new Turn(queue, false);
					}
					slice = Math.min(remaining, excludesFor);
				}
				if (queue.permit.tryAcquire(slice, TimeUnit.NANOSECONDS)) {
					waiting = false;
					Turn turn = new Turn(queue, true);
					queue.current = turn;
					return turn;
				}
				if (deadline - System.nanoTime() <= 0) {
					return null;
				}
			}
		}
		finally {
			if (waiting) {
				leave(queue);
			}
		}
	}

	private void leave(Queue queue) {
		this.queues.computeIfPresent(queue.name, (key, existing) -> (--existing.users == 0) ? null : existing);
	}

	/** The waiters and the current turn of one name. */
	private static final class Queue {

		final String name;

		/** Fair: a released turn goes to the thread that waited longest. */
		final Semaphore permit = new Semaphore(1, true);

		/** Guarded by the map's compute of this name. */
		int users;

		volatile Turn current;

		Queue(String name) {
			this.name = name;
		}

	}

	/**
	 * A thread's turn at the backend. Either it holds the queue, or it went past a turn that no longer excluded.
	 */
	final class Turn {

		private final Queue queue;

		private final boolean holdsQueue;

		private final AtomicBoolean ended = new AtomicBoolean();

		/** For how many nanoseconds from the given {@code nanoTime} the hold of this turn still excludes. */
		private volatile LongUnaryOperator excludesFor = (now) -> UNTIL_DONE;

		private Turn(Queue queue, boolean holdsQueue) {
			this.queue = queue;
			this.holdsQueue = holdsQueue;
		}

		/**
		 * Tells waiters how long the hold of this turn excludes them, once it is recorded.
		 * @param excludesFor nanoseconds from the given {@link System#nanoTime()}: {@link #UNTIL_DONE} while
		 * the hold is in transition, zero or less once it no longer excludes
		 */
		void excludesFor(LongUnaryOperator excludesFor) {
			this.excludesFor = excludesFor;
		}

		/** Passes the queue to the next waiter; safe to repeat. */
		void end() {
			if (!this.ended.compareAndSet(false, true)) {
				return;
			}
			if (this.holdsQueue) {
				this.queue.current = null;
				this.queue.permit.release();
			}
			leave(this.queue);
		}

	}

}
