package io.distcore.tcc.coordinator;

import java.time.Instant;

/**
 * One branch as the coordinator's log holds it.
 *
 * @param xid global transaction id
 * @param branchId branch id, unique within the transaction
 * @param transport kind of the {@link io.distcore.tcc.BranchTransport} that reaches it
 * @param address where the transport finds it
 * @param state current state
 * @param attempts failed phase-two deliveries
 * @param lastError the last delivery error, or {@code null}
 * @param nextAttemptAt when the next delivery is due, or {@code null} (at once)
 * @param createdAt when it was enlisted
 */
public record BranchRecord(String xid, String branchId, String transport, String address, BranchState state,
		int attempts, String lastError, Instant nextAttemptAt, Instant createdAt) {

}
