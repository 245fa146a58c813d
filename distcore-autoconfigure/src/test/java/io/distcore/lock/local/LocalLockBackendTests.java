package io.distcore.lock.local;

import io.distcore.lock.AbstractLockBackendContractTests;
import io.distcore.lock.LockBackend;

/**
 * The in-JVM backend: every "process" of the contract shares one backend, as threads of one JVM do.
 */
class LocalLockBackendTests extends AbstractLockBackendContractTests {

	private final LocalLockBackend backend = new LocalLockBackend();

	@Override
	protected LockBackend newBackend() {
		return this.backend;
	}

}
