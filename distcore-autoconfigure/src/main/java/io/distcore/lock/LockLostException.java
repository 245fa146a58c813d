package io.distcore.lock;

/**
 * A hold ended before its owner released it: the lease expired (less the registry's drift margin), the backend
 * lost the lock, renewal failed for longer than the lease, or the registry was closed while it was held. Anything the owner did under the lock may have overlapped with another holder,
 * which is why an enclosing transaction should roll back when this is thrown.
 */
public class LockLostException extends LockException {

	private final String lockName;

	private final long fencingToken;

	public LockLostException(String lockName, long fencingToken, String reason) {
		super("Lock '" + lockName + "' (fencing token " + fencingToken + ") was lost before it was released: " + reason);
		this.lockName = lockName;
		this.fencingToken = fencingToken;
	}

	/**
	 * Name of the lock that was lost.
	 * @return the lock name
	 */
	public String getLockName() {
		return this.lockName;
	}

	/**
	 * Fencing token of the hold that was lost.
	 * @return the token
	 */
	public long getFencingToken() {
		return this.fencingToken;
	}

}
