package io.distcore.tcc;

/**
 * Runs the second phase of branches whose try ran in this process, through the barrier: the entry point of the
 * local transport and of the participant's phase-two HTTP endpoint.
 */
public interface TccParticipant {

	/**
	 * Confirms or cancels a branch. Returns normally when the phase is done: it ran now, it had already run (a
	 * duplicate delivery runs nothing), or, for a cancel whose try never arrived, the branch was marked so that a
	 * late try is refused (empty rollback, nothing run).
	 * @param xid the global transaction id
	 * @param branchId the branch id
	 * @param phase {@link Phase#CONFIRM} or {@link Phase#CANCEL}
	 * @throws IllegalArgumentException for {@link Phase#TRY}
	 * @throws TccException or any exception of the confirm or cancel method when the phase did not complete: its
	 * local transaction rolled back, nothing was recorded, and the coordinator retries
	 */
	void complete(String xid, String branchId, Phase phase);

}
