package io.distcore.id.lease;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Where worker ids are leased: a set of numbered slots ({@code 0 .. slotCount-1}), each held by at most one owner
 * at a time, and for each slot the last timestamp any holder recorded, kept across holders. Every method is one
 * bounded round trip (or a few) to the backend; none of them blocks waiting for a slot to become free.
 * <p>
 * Expiry is judged by the backend (its clock, or its session), never by the caller's wall clock. A slot whose
 * holder stopped renewing for {@code ttl} may be claimed by the next caller. Methods throw
 * {@link WorkerIdLeaseException} when the backend cannot be reached; they are called by one heartbeat thread per
 * lease and need not be thread-safe beyond that, except {@link #onLoss}, whose callback may run on any thread.
 * <p>
 * A store is owned by one {@link LeasedWorkerId}, which closes it.
 */
public interface WorkerIdStore extends AutoCloseable {

	/**
	 * Short backend name for logs and diagnostics, such as {@code redis}.
	 * @return the name
	 */
	String name();

	/**
	 * Claims any free or expired slot below {@code slotCount}, looking from a random slot on so that starting
	 * processes spread out.
	 * @param owner unique owner (the process's instance id)
	 * @param slotCount number of slots of the layout
	 * @param ttl how long the claim lasts without a renewal
	 * @return the slot and the last timestamp its previous holders recorded (0 if none), or empty when every slot
	 * is held
	 * @throws WorkerIdLeaseException if the backend cannot be reached
	 */
	Optional<Claim> claim(String owner, int slotCount, Duration ttl);

	/**
	 * Claims one given slot if it is free or expired; used to get a lost slot back.
	 * @param slot the slot
	 * @param owner unique owner
	 * @param ttl how long the claim lasts without a renewal
	 * @return the last timestamp its previous holders recorded (0 if none), or empty while someone holds it
	 * @throws WorkerIdLeaseException if the backend cannot be reached
	 */
	OptionalLong claim(int slot, String owner, Duration ttl);

	/**
	 * Extends an unexpired hold of {@code owner} by {@code ttl} and stores {@code lastTimestamp} if it is newer than
	 * the stored one.
	 * @param slot the slot
	 * @param owner its holder
	 * @param lastTimestamp newest timestamp (epoch milliseconds) used under the slot
	 * @param ttl new lease, from now
	 * @return {@code false} if {@code owner} does not hold the slot any more (expired, or taken by another owner)
	 * @throws WorkerIdLeaseException if the backend cannot be reached
	 */
	boolean renew(int slot, String owner, long lastTimestamp, Duration ttl);

	/**
	 * How long the slot of the last successful claim or renewal stays held, at least, counted from the moment
	 * that call started, if nothing renews it: the ttl for a store whose backend judges the ttl; for one whose
	 * holds end by a rule of their own, the shortest that rule allows (ZooKeeper: the session timeout the server
	 * negotiated, after which it deletes ephemeral nodes whatever the ttl). The lease stops issuing ids before it
	 * runs out, so it must never be longer than the backend keeps the slot.
	 * @param ttl the ttl the slot was claimed or renewed with
	 * @return the guaranteed hold, at most {@code ttl}
	 */
	Duration guaranteedHold(Duration ttl);

	/**
	 * Stores {@code lastTimestamp} (if newer) and frees the slot, if {@code owner} still holds it; otherwise does
	 * nothing. A second call does nothing.
	 * @param slot the slot
	 * @param owner its holder
	 * @param lastTimestamp newest timestamp (epoch milliseconds) used under the slot
	 * @return whether {@code owner} held the slot
	 * @throws WorkerIdLeaseException if the backend cannot be reached
	 */
	boolean release(int slot, String owner, long lastTimestamp);

	/**
	 * Registers a callback for stores that learn of a loss before the next renewal, such as a ZooKeeper
	 * connection that is suspended: the callback means "every hold of this store may be gone". The default
	 * never calls it.
	 * @param callback runs on the store's event thread
	 */
	default void onLoss(Runnable callback) {
	}

	/**
	 * Lets go of what the store itself registered (listeners); the backend connection belongs to the
	 * application and stays open. Does not release slots.
	 */
	@Override
	default void close() {
	}

	/**
	 * A claimed slot.
	 *
	 * @param slot the slot, {@code 0 <= slot < slotCount}
	 * @param previousTimestamp last timestamp (epoch milliseconds) its previous holders recorded, 0 if none
	 */
	record Claim(int slot, long previousTimestamp) {
	}

}
