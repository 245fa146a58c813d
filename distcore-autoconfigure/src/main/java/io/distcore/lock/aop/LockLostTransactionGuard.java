package io.distcore.lock.aop;

import io.distcore.lock.LockLostException;
import io.distcore.lock.NamedLock;

import org.springframework.transaction.TransactionExecution;
import org.springframework.transaction.TransactionExecutionListener;

/**
 * Fails the commit of a transaction that runs inside {@link io.distcore.lock.DistributedLock} advice whose
 * hold was lost meanwhile: the work may have overlapped another holder's, so it must not be committed. The
 * transaction manager rolls back and the caller gets {@link LockLostException}. Spring Boot registers
 * {@link TransactionExecutionListener} beans with the transaction managers it auto-configures.
 */
public final class LockLostTransactionGuard implements TransactionExecutionListener {

	@Override
	public void beforeCommit(TransactionExecution transaction) {
		for (NamedLock lock : DistributedLockInterceptor.locksHeldByAdvice()) {
			if (!lock.isHeldByCurrentOwner()) {
				throw new LockLostException(lock.name(), tokenOf(lock),
						"found before committing transaction '" + transaction.getTransactionName() + "'");
			}
		}
	}

	private static long tokenOf(NamedLock lock) {
		try {
			return lock.fencingToken();
		}
		catch (RuntimeException ex) {
			return -1;
		}
	}

}
