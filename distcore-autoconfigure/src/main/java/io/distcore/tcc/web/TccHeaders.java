package io.distcore.tcc.web;

import java.util.regex.Pattern;

/**
 * The HTTP headers of distcore's TCC contract. A business call made inside a global transaction and every
 * phase-two call carry all four; {@link #SIGNATURE} authenticates the other three and the phase (see
 * {@link TccSigner}).
 */
public final class TccHeaders {

	/** The global transaction id. */
	public static final String XID = "Distcore-Tcc-Xid";

	/** The branch id within the transaction. */
	public static final String BRANCH = "Distcore-Tcc-Branch";

	/** When the request was signed, in epoch milliseconds. */
	public static final String TIMESTAMP = "Distcore-Tcc-Timestamp";

	/** Base64url (no padding) HMAC-SHA256 over version, xid, branch, phase and timestamp. */
	public static final String SIGNATURE = "Distcore-Tcc-Signature";

	static final Pattern XID_PATTERN = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

	static final Pattern BRANCH_PATTERN = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

	private TccHeaders() {
	}

}
