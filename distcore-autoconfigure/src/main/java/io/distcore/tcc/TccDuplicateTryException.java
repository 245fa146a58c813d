package io.distcore.tcc;

/**
 * A try arrived for a branch whose try had already run and committed here: a repeated delivery, typically a load
 * balancer's retry after the first try's reply was lost. The business code did not run again.
 * <p>
 * It is not a refusal ({@link TccTryRefusedException} is for a try that lost to its cancel): the branch did
 * reserve what its try reserves. Nor is it answered as a success, because what the first try returned, and
 * whatever the caller's endpoint built from it, cannot be reproduced without running the business code again.
 * The caller must take it as a failed try: its global transaction is cancelled, and the cancel releases what the
 * first try reserved. Over HTTP the participant answers 410 problem+json: a client error, so that neither the
 * load balancer's retry nor passive health takes it for a failing instance, and distinct from the refusal's 409.
 */
public class TccDuplicateTryException extends TccException {

	private final String xid;

	private final String branchId;

	public TccDuplicateTryException(String xid, String branchId) {
		super("Try of branch " + branchId + " of transaction " + xid + " already ran: a repeated delivery (its "
				+ "reply may have been lost); the transaction must be cancelled, which releases what that try did");
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
