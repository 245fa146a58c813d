package io.distcore.tcc;

/**
 * A try arrived after its branch had already been cancelled (a late try, 防悬挂): it was refused without
 * running the business code. Over HTTP the participant answers 409.
 */
public class TccTryRefusedException extends TccException {

	private final String xid;

	private final String branchId;

	public TccTryRefusedException(String xid, String branchId) {
		super("Try of branch " + branchId + " of transaction " + xid + " refused: the branch was cancelled first");
		this.xid = xid;
		this.branchId = branchId;
	}

	public String getXid() {
		return this.xid;
	}

	public String getBranchId() {
		return this.branchId;
	}

}
