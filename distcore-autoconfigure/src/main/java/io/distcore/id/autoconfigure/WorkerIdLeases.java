package io.distcore.id.autoconfigure;

import io.distcore.id.snowflake.WorkerIdLease;

/**
 * Worker identities that need no backend.
 */
final class WorkerIdLeases {

	private WorkerIdLeases() {
	}

	/**
	 * The identity of an application with no fixed worker id and no backend to lease one from: it is never
	 * valid, so every id request fails with a message that says what to configure, and nothing can be issued
	 * under an identity another process might share.
	 * @return the identity
	 */
	static WorkerIdLease none() {
		return new WorkerIdLease() {

			@Override
			public long datacenterId() {
				return 0;
			}

			@Override
			public long workerId() {
				return 0;
			}

			@Override
			public boolean isValid() {
				return false;
			}

			@Override
			public long notAfterPreviousHolder() {
				return 0;
			}

			@Override
			public String toString() {
				return "none: set distcore.id.snowflake.worker-id and datacenter-id, or configure Redis, "
						+ "ZooKeeper or a DataSource to lease one";
			}

		};
	}

}
