package io.distcore.lock;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongUnaryOperator;

/**
 * Queues the threads of this process that want one lock name on one backend, first come first served, so that
 * only the head of the queue asks the backend and a release passes to the next local waiter at once instead of
 * at its next poll or wake-up. The queue only orders attempts: every hold still comes from the backend, with a
 * fencing token of its own, and the backend alone decides who holds the lock. A turn whose hold no longer
 * excludes (its lease ran out, it was lost) stops holding up the queue: waiters then go to the backend past it,
 * so a hold that is never released delays local waiters no longer than it delays other processes.
 * <p>
 * A releasing holder may {@link Turn#claimNext() claim} the next waiter and pass its hold to it on the backend
 * ({@link HandOverLockBackend}). Claiming and giving up at the deadline exclude each other under the queue's
 * mutex: a waiter that was claimed waits for the outcome whatever its deadline, so a hold passed to it always
 * reaches a thread that knows of it.
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
	 * @param owner owner the calling thread acquires for, to which a releasing holder may pass the lock
	 * @param lease lease the calling thread asks for
	 * @param deadline {@link System#nanoTime()} after which to give up
	 * @return the turn, to {@link Turn#end() end} once the hold it stands for is over; {@code null} if the
	 * deadline passed first
	 * @throws InterruptedException if interrupted while waiting and not claimed; no turn is taken then
	 */
	Turn await(String name, String owner, Duration lease, long deadline) throws InterruptedException {
		Queue queue = this.queues.compute(name, (key, existing) -> {
			Queue joined = (existing != null) ? existing : new Queue(key);
			joined.users++;
			return joined;
		});
		Turn turn = null;
		try {
			turn = queue.await(new Waiter(queue, owner, lease), deadline);
			return turn;
		}
		finally {
			if (turn == null) {
				leave(queue);
			}
		}
	}

	private void leave(Queue queue) {
		this.queues.computeIfPresent(queue.name, (key, existing) -> (--existing.users == 0) ? null : existing);
	}

	/** The waiters and the current turn of one name. */
	private final class Queue {

		final String name;

		final ReentrantLock mutex = new ReentrantLock();

		/** Guarded by {@link #mutex}. */
		final ArrayDeque<Waiter> waiters = new ArrayDeque<>();

		/** The turn that holds the queue; guarded by {@link #mutex}. */
		Turn current;

		/** Guarded by the map's compute of this name. */
		int users;

		Queue(String name) {
			this.name = name;
		}

		Turn await(Waiter waiter, long deadline) throws InterruptedException {
			boolean interrupted = false;
			this.mutex.lock();
			try {
				if (this.current == null && this.waiters.isEmpty()) {
					this.current = new Turn(this, true);
					return this.current;
				}
				this.waiters.addLast(waiter);
				while (true) {
					if (waiter.claimed) {
						// A releasing holder is passing the lock to this thread: the outcome comes, whatever the
						// deadline, or a hold would exist that nobody knows of.
						while (!waiter.decided) {
							waiter.wake.awaitUninterruptibly();
						}
						return waiter.turn;
					}
					long now = System.nanoTime();
					if (this.current == null && this.waiters.peekFirst() == waiter) {
						this.waiters.removeFirst();
						this.current = new Turn(this, true);
						return this.current;
					}
					long slice = deadline - now;
					if (this.current != null) {
						long excludesFor = this.current.excludesFor.applyAsLong(now);
						if (excludesFor <= 0) {
							this.waiters.remove(waiter);
							return new Turn(this, false);
						}
						slice = Math.min(slice, excludesFor);
					}
					if (deadline - now <= 0) {
						this.waiters.remove(waiter);
						wakeHead();
						return null;
					}
					try {
						waiter.wake.awaitNanos(slice);
					}
					catch (InterruptedException ex) {
						if (waiter.claimed) {
							interrupted = true;
							continue;
						}
						this.waiters.remove(waiter);
						wakeHead();
						throw ex;
					}
				}
			}
			finally {
				this.mutex.unlock();
				if (interrupted) {
					Thread.currentThread().interrupt();
				}
			}
		}

		/** Lets the first waiter take a free queue. Called under {@link #mutex}. */
		void wakeHead() {
			Waiter head = this.waiters.peekFirst();
			if (this.current == null && head != null) {
				head.wake.signal();
			}
		}

	}

	/** A thread waiting for its turn. */
	final class Waiter {

		private final Queue queue;

		private final String owner;

		private final Duration lease;

		private final Condition wake;

		/** Set, under the queue's mutex, by the holder that passes the lock to this waiter. */
		private boolean claimed;

		/** The turn a claim gave this waiter; guarded by the queue's mutex. */
		private Turn turn;

		/** Whether the claim's outcome is in {@link #turn}; guarded by the queue's mutex. */
		private boolean decided;

		private Waiter(Queue queue, String owner, Duration lease) {
			this.queue = queue;
			this.owner = owner;
			this.lease = lease;
			this.wake = queue.mutex.newCondition();
		}

		String owner() {
			return this.owner;
		}

		Duration lease() {
			return this.lease;
		}

		/**
		 * Gives the claimed waiter its turn: with the hold passed to it, or, when the hand-over did not happen (or
		 * its outcome is unknown), a turn that asks the backend itself. Must be called once per claim.
		 * @param handedOver the hold the backend passed to this waiter's owner, or {@code null}
		 */
		void complete(LockGrant handedOver) {
			this.queue.mutex.lock();
			try {
				this.turn.handedOver = handedOver;
				this.decided = true;
				this.wake.signal();
			}
			finally {
				this.queue.mutex.unlock();
			}
		}

	}

	/**
	 * A thread's turn at the backend. Either it holds the queue, or it went past a turn that no longer excluded.
	 */
	final class Turn {

		private final Queue queue;

		private final boolean holdsQueue;

		/** Guarded by the queue's mutex. */
		private boolean ended;

		/** The hold a releasing holder passed to this turn, if any; guarded by the queue's mutex. */
		private LockGrant handedOver;

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

		/**
		 * The hold a releasing holder passed to this turn; taken once.
		 * @return the hold, or {@code null} if this turn must ask the backend
		 */
		LockGrant takeHandedOver() {
			this.queue.mutex.lock();
			try {
				LockGrant grant = this.handedOver;
				this.handedOver = null;
				return grant;
			}
			finally {
				this.queue.mutex.unlock();
			}
		}

		/**
		 * Ends this turn by passing the queue to the next waiter, which is claimed: it waits for
		 * {@link Waiter#complete} however long that takes, so the caller must complete it once the backend answered.
		 * @return the claimed waiter, or {@code null} if nobody waits (or this turn does not hold the queue, or
		 * ended already), in which case this turn is unchanged
		 */
		Waiter claimNext() {
			Waiter next;
			this.queue.mutex.lock();
			try {
				if (!this.holdsQueue || this.ended || this.queue.current != this) {
					return null;
				}
				next = this.queue.waiters.pollFirst();
				if (next == null) {
					return null;
				}
				this.ended = true;
				next.claimed = true;
				next.turn = new Turn(this.queue, true);
				this.queue.current = next.turn;
			}
			finally {
				this.queue.mutex.unlock();
			}
			leave(this.queue);
			return next;
		}

		/** Passes the queue to the next waiter, which then asks the backend; safe to repeat. */
		void end() {
			this.queue.mutex.lock();
			try {
				if (this.ended) {
					return;
				}
				this.ended = true;
				if (this.holdsQueue && this.queue.current == this) {
					this.queue.current = null;
					this.queue.wakeHead();
				}
			}
			finally {
				this.queue.mutex.unlock();
			}
			leave(this.queue);
		}

	}

}
