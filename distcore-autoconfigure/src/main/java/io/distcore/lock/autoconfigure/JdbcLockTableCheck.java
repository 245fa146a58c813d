package io.distcore.lock.autoconfigure;

import io.distcore.lock.LockBackendUnavailableException;
import io.distcore.lock.jdbc.JdbcLockBackend;
import io.distcore.lock.jdbc.LockTableMissingException;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Reads the lock table once the beans are created, for an application that set distcore.lock.backend=jdbc: a
 * table that is missing and that the first lock will not create fails the startup, reported by
 * {@link LockTableMissingFailureAnalyzer}. A database that does not answer is only logged, so the application
 * still starts with its database down, as it would without distcore.
 */
final class JdbcLockTableCheck implements SmartInitializingSingleton {

	private static final Log logger = LogFactory.getLog(JdbcLockTableCheck.class);

	private final JdbcLockBackend backend;

	JdbcLockTableCheck(JdbcLockBackend backend) {
		this.backend = backend;
	}

	@Override
	public void afterSingletonsInstantiated() {
		try {
			this.backend.check();
		}
		catch (LockTableMissingException ex) {
			if (!ex.createdAtFirstUse()) {
				throw ex;
			}
		}
		catch (LockBackendUnavailableException ex) {
			logger.warn("Could not check lock table '" + this.backend.tableName() + "' at startup (distcore.lock.backend"
					+ "=jdbc); the first lock will tell whether it exists: " + ex.getMessage());
		}
	}

}
