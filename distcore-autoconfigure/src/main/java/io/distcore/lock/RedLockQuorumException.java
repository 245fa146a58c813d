package io.distcore.lock;

/**
 * Fewer than a majority of the RedLock nodes answered, so the backend can tell neither who holds the lock nor
 * whether an operation took effect. Raised at once instead of retrying until the wait runs out: without a
 * majority no retry can succeed. Nothing new is held; the guarded code did not run.
 */
public class RedLockQuorumException extends LockBackendUnavailableException {

	private final int answered;

	private final int quorum;

	public RedLockQuorumException(String lockName, int answered, int nodes) {
		super("Only " + answered + " of " + nodes + " RedLock nodes answered for lock '" + lockName
				+ "'; a majority of " + (nodes / 2 + 1) + " is needed");
		this.answered = answered;
		this.quorum = nodes / 2 + 1;
	}

	/**
	 * How many nodes answered.
	 * @return the number of nodes that answered in time
	 */
	public int getAnswered() {
		return this.answered;
	}

	/**
	 * How many nodes must answer.
	 * @return the majority of the configured nodes
	 */
	public int getQuorum() {
		return this.quorum;
	}

}
