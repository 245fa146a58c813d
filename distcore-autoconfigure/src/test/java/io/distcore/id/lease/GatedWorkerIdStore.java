package io.distcore.id.lease;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;

/**
 * A real store whose renewals or claim-backs (the heartbeat's calls) a test can hold up, as a network partition
 * or a stalled heartbeat thread would: a held call waits until its gate opens and then goes to the store.
 * Everything else goes straight through.
 */
final class GatedWorkerIdStore extends ForwardingWorkerIdStore {

	private volatile CountDownLatch renewals = new CountDownLatch(0);

	private volatile CountDownLatch claimBacks = new CountDownLatch(0);

	GatedWorkerIdStore(WorkerIdStore store) {
		super(store);
	}

	/** Renewals from now on wait until {@link #openRenewals()}. */
	void holdRenewals() {
		this.renewals = new CountDownLatch(1);
	}

	void openRenewals() {
		this.renewals.countDown();
	}

	/** Claims of a given slot (a lost lease taking its slot back) wait until {@link #openClaimBacks()}. */
	void holdClaimBacks() {
		this.claimBacks = new CountDownLatch(1);
	}

	void openClaimBacks() {
		this.claimBacks.countDown();
	}

	@Override
	public OptionalLong claim(int slot, String owner, Duration ttl) {
		await(this.claimBacks);
		return super.claim(slot, owner, ttl);
	}

	@Override
	public boolean renew(int slot, String owner, long lastTimestamp, Duration ttl) {
		await(this.renewals);
		return super.renew(slot, owner, lastTimestamp, ttl);
	}

	private static void await(CountDownLatch gate) {
		try {
			gate.await();
		}
		catch (InterruptedException ex) {
			// The lease is closing: its heartbeat thread is interrupted.
			Thread.currentThread().interrupt();
			throw new WorkerIdLeaseException("Interrupted at the gate", ex);
		}
	}

}
