package io.distcore.tcc.coordinator;

import java.util.function.Supplier;

import io.distcore.tcc.BranchTransport;
import io.distcore.tcc.Phase;
import io.distcore.tcc.TccException;
import io.distcore.tcc.TccParticipant;

/**
 * The {@code local} transport: the branch's action runs in this process, so phase two is a call of the
 * application's {@link TccParticipant}. The address (the action name) is not needed: the participant finds the
 * action by the branch's barrier row.
 */
public final class LocalBranchTransport implements BranchTransport {

	/** The kind of branches of actions in this process. */
	public static final String KIND = "local";

	private final Supplier<TccParticipant> participant;

	/**
	 * @param participant the participant, looked up at each delivery ({@code null} when there is none)
	 */
	public LocalBranchTransport(Supplier<TccParticipant> participant) {
		this.participant = participant;
	}

	@Override
	public String kind() {
		return KIND;
	}

	@Override
	public void deliver(String xid, String branchId, String address, Phase phase) {
		TccParticipant target = this.participant.get();
		if (target == null) {
			throw new TccException("No TccParticipant in this application to " + phase + " local branch " + branchId
					+ " (" + address + ") of transaction " + xid);
		}
		target.complete(xid, branchId, phase);
	}

}
