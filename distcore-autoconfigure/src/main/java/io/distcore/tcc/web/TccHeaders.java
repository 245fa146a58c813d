package io.distcore.tcc.web;

import java.util.regex.Pattern;

/**
 * The HTTP headers of distcore's TCC contract. A business call made inside a global transaction and every
 * phase-two call carry all five; {@link #SIGNATURE} authenticates the others, the phase, the method, the path
 * with its query and the body (see {@link TccSigner}).
 */
public final class TccHeaders {

	/** The global transaction id. */
	public static final String XID = "Distcore-Tcc-Xid";

	/** The branch id within the transaction. */
	public static final String BRANCH = "Distcore-Tcc-Branch";

	/** When the request was signed, in epoch milliseconds. */
	public static final String TIMESTAMP = "Distcore-Tcc-Timestamp";

	/** Base64url (no padding) HMAC-SHA256 over version, xid, branch, phase, timestamp, method, path, body digest. */
	public static final String SIGNATURE = "Distcore-Tcc-Signature";

	/** Base64url (no padding) SHA-256 of the request body; the participant recomputes it from the body it read. */
	public static final String BODY_DIGEST = "Distcore-Tcc-Body-Digest";

	static final Pattern XID_PATTERN = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

	static final Pattern BRANCH_PATTERN = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

	private TccHeaders() {
	}

}
