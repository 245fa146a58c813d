package io.distcore.tcc.coordinator;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.distcore.tcc.Phase;
import io.distcore.tcc.TccParticipant;

/**
 * A participant for the coordinator's tests: records every delivery and fails the next ones when told.
 */
public final class RecordingParticipant implements TccParticipant {

	/** One delivery. */
	public record Call(String xid, String branchId, Phase phase, boolean succeeded) {
	}

	private final List<Call> calls = new CopyOnWriteArrayList<>();

	private final AtomicInteger failures = new AtomicInteger();

	private final Map<String, AtomicInteger> perBranchFailures = new ConcurrentHashMap<>();

	private volatile int failFirstPerBranch;

	private volatile boolean failAlways;

	private volatile Runnable afterSuccess = () -> {
	};

	/** Fails the next {@code count} deliveries, whatever branch. */
	public void failNext(int count) {
		this.failures.set(count);
	}

	/** Fails the first {@code count} deliveries of every branch. */
	public void failFirstOfEachBranch(int count) {
		this.failFirstPerBranch = count;
	}

	public void failAlways(boolean fail) {
		this.failAlways = fail;
	}

	/** Runs after each successful delivery (before it returns), such as to take the coordinator's database down. */
	public void afterSuccess(Runnable action) {
		this.afterSuccess = action;
	}

	public List<Call> calls() {
		return List.copyOf(this.calls);
	}

	public List<Call> succeeded() {
		return this.calls.stream().filter(Call::succeeded).toList();
	}

	@Override
	public void complete(String xid, String branchId, Phase phase) {
		if (phase == Phase.TRY) {
			throw new IllegalArgumentException("TRY is not a phase-two phase");
		}
		boolean fail = this.failAlways || this.failures.getAndUpdate((n) -> Math.max(0, n - 1)) > 0
				|| this.perBranchFailures.computeIfAbsent(xid + "/" + branchId, (key) -> new AtomicInteger())
					.getAndIncrement() < this.failFirstPerBranch;
		this.calls.add(new Call(xid, branchId, phase, !fail));
		if (fail) {
			throw new IllegalStateException("injected " + phase + " failure of branch " + branchId);
		}
		this.afterSuccess.run();
	}

}
