package io.distcore.tcc.coordinator;

import java.util.List;

/**
 * A global transaction with its branches, for people and endpoints looking into the log.
 *
 * @param transaction the transaction
 * @param branches its branches in the order they were enlisted
 */
public record TransactionDetails(TransactionRecord transaction, List<BranchRecord> branches) {

	public TransactionDetails {
		branches = List.copyOf(branches);
	}

}
