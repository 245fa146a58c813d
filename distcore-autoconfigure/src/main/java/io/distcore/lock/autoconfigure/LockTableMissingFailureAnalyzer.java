package io.distcore.lock.autoconfigure;

import io.distcore.lock.jdbc.LockTableMissingException;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Reports the lock table that distcore.lock.backend=jdbc needs but that does not exist and will not be created,
 * with every way out.
 */
final class LockTableMissingFailureAnalyzer extends AbstractFailureAnalyzer<LockTableMissingException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, LockTableMissingException cause) {
		String description = "The lock table '" + cause.table() + "' does not exist in " + cause.database()
				+ ", and distcore.lock.jdbc.initialize-schema does not let distcore create it. The application set "
				+ "distcore.lock.backend=jdbc, so its locks need that table.";
		String action = """
				Do one of the following:
				- set distcore.lock.jdbc.initialize-schema=always, and the first lock creates the table;
				- create the table with classpath:%s (replace distcore_lock with '%s'), for example in a Flyway or \
				Liquibase migration;
				- point distcore.lock.jdbc.table-name at an existing lock table;
				- keep locks elsewhere: set distcore.lock.backend to redis, redlock, zookeeper or local, or remove it \
				to have the backend detected;
				- switch distributed locks off with distcore.lock.enabled=false.""".formatted(cause.schemaResource(),
				cause.table());
		return new FailureAnalysis(description, action, cause);
	}

}
