package io.distcore.lock;

import java.lang.reflect.Method;

/**
 * Decides what a {@link DistributedLock} method call does when its locks cannot be had. The method itself is
 * never run: the handler either returns the value the call returns, or throws.
 */
@FunctionalInterface
public interface LockFailureHandler {

	/**
	 * Handles one failed call.
	 * @param method the annotated method
	 * @param arguments the call's arguments
	 * @param failure why the locks could not be had ({@link LockAcquisitionException} when the wait ran out,
	 * {@link LockBackendUnavailableException} when the backend is down)
	 * @return what the call returns (ignored for {@code void} methods)
	 * @throws Throwable to make the call fail
	 */
	Object handle(Method method, Object[] arguments, LockException failure) throws Throwable;

}
