package io.distcore.tcc;

/**
 * How the coordinator reaches a branch in phase two: {@code local} for an action of this process,
 * {@code http} for a participant in another service.
 */
public interface BranchTransport {

	/**
	 * The kind this transport serves, as recorded with each branch.
	 * @return a short lower-case name
	 */
	String kind();

	/**
	 * Delivers a confirm or cancel. Returns normally when the participant reports the phase done (also for a
	 * duplicate); throws when it did not (an error answer, a timeout, a connection that failed), and the
	 * coordinator retries later with back-off. Must not block longer than the transport's configured timeout.
	 * @param xid the global transaction id
	 * @param branchId the branch id
	 * @param address the address recorded when the branch was enlisted
	 * @param phase {@link Phase#CONFIRM} or {@link Phase#CANCEL}
	 * @throws Exception when the phase is not known to be done; its message is stored as the branch's last error
	 */
	void deliver(String xid, String branchId, String address, Phase phase) throws Exception;

}
