package io.distcore.lock;

/**
 * An owner tried to unlock, or read the token of, a lock it does not hold.
 */
public class LockNotHeldException extends LockException {

	public LockNotHeldException(String lockName, String owner) {
		super("Lock '" + lockName + "' is not held by " + owner);
	}

}
