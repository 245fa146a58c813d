package io.distcore.lock.aop;

import java.lang.reflect.Method;

import io.distcore.lock.LockException;

/**
 * A {@link io.distcore.lock.DistributedLock} key could not be computed for a call; the method was not run.
 */
public class InvalidLockKeyException extends LockException {

	InvalidLockKeyException(Method method, String expression, String problem, Throwable cause) {
		super("Lock key '" + expression + "' of " + method.getDeclaringClass().getSimpleName() + "." + method.getName()
				+ " is unusable: " + problem, cause);
	}

}
