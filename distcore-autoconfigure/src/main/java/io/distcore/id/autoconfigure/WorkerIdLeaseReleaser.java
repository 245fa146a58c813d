package io.distcore.id.autoconfigure;

import io.distcore.id.lease.LeasedWorkerId;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;

/**
 * Releases the leased worker id while the application stops, not when its beans are destroyed: by then the
 * Redis connection factory (a lifecycle of phase 0) is already stopped and the release could not be sent.
 * Its phase puts it after web servers and message listeners, which stop first and may still need ids.
 */
final class WorkerIdLeaseReleaser implements SmartLifecycle {

	/** Above connection factories (0), below web server shutdown and listener containers (near the maximum). */
	static final int PHASE = Integer.MAX_VALUE / 2;

	private final ObjectProvider<LeasedWorkerId> lease;

	private volatile LeasedWorkerId started;

	WorkerIdLeaseReleaser(ObjectProvider<LeasedWorkerId> lease) {
		this.lease = lease;
	}

	@Override
	public void start() {
		this.started = this.lease.getIfAvailable();
	}

	@Override
	public void stop() {
		LeasedWorkerId held = this.started;
		this.started = null;
		if (held != null) {
			held.close();
		}
	}

	@Override
	public boolean isRunning() {
		return this.started != null;
	}

	@Override
	public int getPhase() {
		return PHASE;
	}

}
