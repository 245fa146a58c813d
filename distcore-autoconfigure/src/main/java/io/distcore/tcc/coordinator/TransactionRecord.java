package io.distcore.tcc.coordinator;

import java.time.Instant;

/**
 * One global transaction as the coordinator's log holds it.
 *
 * @param xid global transaction id
 * @param name the {@code @TccTransaction} name
 * @param state current state
 * @param createdAt when the transaction began
 * @param timeoutAt when recovery cancels it if it is still trying
 * @param decidedAt when it turned {@link TransactionState#CONFIRMING} or {@link TransactionState#CANCELLING}, or
 * {@code null}
 * @param finishedAt when it reached a finished or failed state, or {@code null}
 * @param nextAttemptAt when phase two is tried next, or {@code null}
 * @param attempts phase-two runs that left a branch unfinished
 * @param owner instance that holds the claim, or {@code null}
 * @param claimUntil end of the owner's claim, or {@code null}
 * @param lastError the last phase-two error, or {@code null}
 */
public record TransactionRecord(String xid, String name, TransactionState state, Instant createdAt,
		Instant timeoutAt, Instant decidedAt, Instant finishedAt, Instant nextAttemptAt, int attempts, String owner,
		Instant claimUntil, String lastError) {

}
