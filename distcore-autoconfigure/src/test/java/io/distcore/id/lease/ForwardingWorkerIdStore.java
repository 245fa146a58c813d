package io.distcore.id.lease;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A real store that a test wraps to change one behaviour of it, such as holding up calls or dropping loss
 * events; by default every call goes straight to the store.
 */
public class ForwardingWorkerIdStore implements WorkerIdStore {

	private final WorkerIdStore store;

	public ForwardingWorkerIdStore(WorkerIdStore store) {
		this.store = store;
	}

	@Override
	public String name() {
		return this.store.name();
	}

	@Override
	public Optional<Claim> claim(String owner, int slotCount, Duration ttl) {
		return this.store.claim(owner, slotCount, ttl);
	}

	@Override
	public OptionalLong claim(int slot, String owner, Duration ttl) {
		return this.store.claim(slot, owner, ttl);
	}

	@Override
	public boolean renew(int slot, String owner, long lastTimestamp, Duration ttl) {
		return this.store.renew(slot, owner, lastTimestamp, ttl);
	}

	@Override
	public Duration guaranteedHold(Duration ttl) {
		return this.store.guaranteedHold(ttl);
	}

	@Override
	public boolean release(int slot, String owner, long lastTimestamp) {
		return this.store.release(slot, owner, lastTimestamp);
	}

	@Override
	public void onLoss(Runnable callback) {
		this.store.onLoss(callback);
	}

	@Override
	public void close() {
		this.store.close();
	}

}
