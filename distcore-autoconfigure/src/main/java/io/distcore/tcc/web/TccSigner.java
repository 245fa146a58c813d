package io.distcore.tcc.web;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.regex.Pattern;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.distcore.tcc.Phase;
import io.distcore.tcc.TccException;

import org.springframework.util.Assert;

/**
 * Signs and verifies TCC requests. The signature is {@code base64url(HMAC-SHA256(secret, canonical))} without
 * padding, over the canonical string (lines joined by {@code \n}, no trailing newline):
 * <pre>
 * v2
 * {xid}
 * {branch}
 * {PHASE}          TRY on business calls, CONFIRM or CANCEL on phase-two calls
 * {timestamp}      epoch milliseconds, as in the header
 * {METHOD}         the HTTP method, upper case
 * {path}[?{query}] raw (percent-encoded) path, "/" when empty, and raw query when there is one; no host
 * {body digest}    base64url(SHA-256(body bytes)) without padding, also sent as {@link TccHeaders#BODY_DIGEST}
 * </pre>
 * So headers taken from one request authorize nothing else within the skew window: not another phase, branch or
 * transaction, and not the same branch sent with another method, to another path or query (another endpoint of
 * the same or another participant), or with another body. The host is not signed: the initiator signs the URI
 * it wrote ({@code http://inventory/...}), the participant sees an instance's address. The very same request can
 * still be replayed within the window; the participant's barrier runs a branch's try, confirm and cancel at most
 * once each.
 * <p>
 * Signatures are compared in constant time, and a request whose timestamp is further than the allowed clock skew
 * from this machine's clock is refused. The secret is kept only as a key, never in a string this class prints:
 * {@link #toString()} does not show it. A signer {@link #unusable(String) without a secret} refuses to sign and
 * rejects every request.
 */
public final class TccSigner {

	/** The shortest secret accepted outside insecure development mode. */
	public static final int MIN_SECRET_LENGTH = 32;

	private static final String ALGORITHM = "HmacSHA256";

	private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

	private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

	private static final Pattern DIGEST_PATTERN = Pattern.compile("[A-Za-z0-9_-]{43}");

	private final SecretKeySpec key;

	private final String unusableReason;

	private final Duration maxClockSkew;

	private final Clock clock;

	private TccSigner(SecretKeySpec key, String unusableReason, Duration maxClockSkew, Clock clock) {
		this.key = key;
		this.unusableReason = unusableReason;
		this.maxClockSkew = maxClockSkew;
		this.clock = clock;
	}

	/**
	 * A signer with a secret; its length is checked at startup, not here.
	 * @param secret the shared secret, not empty
	 * @param maxClockSkew largest accepted difference between a request's timestamp and {@code clock}
	 * @param clock the clock timestamps are taken from and compared with
	 * @return the signer
	 */
	public static TccSigner of(String secret, Duration maxClockSkew, Clock clock) {
		Assert.hasLength(secret, "secret must not be empty");
		Assert.isTrue(maxClockSkew != null && !maxClockSkew.isNegative(), "maxClockSkew must not be negative");
		Assert.notNull(clock, "clock must not be null");
		return new TccSigner(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), ALGORITHM), null, maxClockSkew,
				clock);
	}

	/**
	 * A signer that has no secret: it refuses to sign and rejects every request.
	 * @param reason why, for the exception a signing attempt throws (never containing a secret)
	 * @return the signer
	 */
	public static TccSigner unusable(String reason) {
		return new TccSigner(null, reason, Duration.ZERO, Clock.systemUTC());
	}

	/**
	 * Signs a request now.
	 * @param xid the global transaction id
	 * @param branchId the branch id
	 * @param phase the phase the request is for
	 * @param target the method, path, query and body the request is sent with
	 * @return the header values
	 * @throws TccException if this signer has no secret
	 */
	public Signed sign(String xid, String branchId, Phase phase, Target target) {
		Assert.notNull(target, "target must not be null");
		if (this.key == null) {
			throw new TccException(this.unusableReason);
		}
		long timestamp = this.clock.millis();
		return new Signed(xid, branchId, timestamp,
				ENCODER.encodeToString(mac(xid, branchId, phase, timestamp, target)), target.bodyDigest());
	}

	/**
	 * Checks a request's TCC headers for {@code phase} against what the request really is.
	 * @param presented the TCC header values of the request
	 * @param phase the phase the request asks for
	 * @param targets what the request was received as: its method, body and each form of its path the sender may
	 * have signed (the full path; also the path within the application when it has a context path, which a load
	 * balancer's instance prefix adds). All share one body.
	 * @return {@link Verdict#VALID} or why the request is refused
	 */
	public Verdict verify(Presented presented, Phase phase, List<Target> targets) {
		Assert.notEmpty(targets, "targets must not be empty");
		String xid = presented.xid();
		String branchId = presented.branchId();
		String timestamp = presented.timestamp();
		if (xid == null || branchId == null || timestamp == null || presented.signature() == null
				|| presented.bodyDigest() == null) {
			return Verdict.MISSING;
		}
		if (!TccHeaders.XID_PATTERN.matcher(xid).matches() || !TccHeaders.BRANCH_PATTERN.matcher(branchId).matches()
				|| timestamp.isEmpty() || timestamp.length() > 19 || !timestamp.chars().allMatch(Character::isDigit)
				|| !DIGEST_PATTERN.matcher(presented.bodyDigest()).matches()) {
			return Verdict.MALFORMED;
		}
		if (this.key == null) {
			return Verdict.NO_SECRET;
		}
		long millis;
		try {
			millis = Long.parseLong(timestamp);
		}
		catch (NumberFormatException ex) {
			return Verdict.MALFORMED;
		}
		byte[] presentedSignature;
		try {
			presentedSignature = DECODER.decode(presented.signature());
		}
		catch (IllegalArgumentException ex) {
			return Verdict.BAD_SIGNATURE;
		}
		// The body is what the participant read, not what the header claims: a changed body fails here.
		if (!MessageDigest.isEqual(presented.bodyDigest().getBytes(StandardCharsets.US_ASCII),
				targets.get(0).bodyDigest().getBytes(StandardCharsets.US_ASCII))) {
			return Verdict.BAD_DIGEST;
		}
		boolean signed = false;
		for (Target target : targets) {
			// Every candidate is computed, so the time taken does not tell which one matched.
			signed |= MessageDigest.isEqual(mac(xid, branchId, phase, millis, target), presentedSignature);
		}
		// The signature is checked before the time so that an unsigned caller learns nothing about our clock.
		if (!signed) {
			return Verdict.BAD_SIGNATURE;
		}
		long skew = Math.abs(this.clock.millis() - millis);
		return (skew < 0 || skew > this.maxClockSkew.toMillis()) ? Verdict.STALE : Verdict.VALID;
	}

	private byte[] mac(String xid, String branchId, Phase phase, long timestamp, Target target) {
		String data = "v2\n" + xid + "\n" + branchId + "\n" + phase.name() + "\n" + timestamp + "\n" + target.method()
				+ "\n" + target.pathAndQuery() + "\n" + target.bodyDigest();
		try {
			// Mac instances are not thread-safe and cheap to make; the key is what is reused.
			Mac mac = Mac.getInstance(ALGORITHM);
			mac.init(this.key);
			return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
		}
		catch (GeneralSecurityException ex) {
			throw new IllegalStateException("HMAC-SHA256 is not available", ex);
		}
	}

	@Override
	public String toString() {
		return "TccSigner[" + ((this.key != null) ? "maxClockSkew=" + this.maxClockSkew : "unusable") + "]";
	}

	/**
	 * What a signature covers besides the ids, the phase and the time: the request as sent (or as received).
	 * @param method the HTTP method, upper case
	 * @param pathAndQuery the raw path ({@code /} when empty), then {@code ?} and the raw query when there is one
	 * @param bodyDigest base64url SHA-256 of the body bytes, without padding
	 */
	public record Target(String method, String pathAndQuery, String bodyDigest) {

		public Target {
			Assert.hasText(method, "method must not be empty");
			Assert.isTrue(pathAndQuery != null && pathAndQuery.startsWith("/"), "pathAndQuery must start with '/'");
			Assert.isTrue(bodyDigest != null && DIGEST_PATTERN.matcher(bodyDigest).matches(),
					"bodyDigest must be a base64url SHA-256 digest");
			method = method.toUpperCase(Locale.ROOT);
		}

		/**
		 * The target of a request to {@code uri}; its scheme, user info, host, port and fragment are not signed.
		 * @param method the HTTP method
		 * @param uri the URI the application wrote
		 * @param body the body bytes, empty when there is none
		 * @return the target
		 */
		public static Target of(String method, URI uri, byte[] body) {
			return of(method, uri.getRawPath(), uri.getRawQuery(), body);
		}

		/**
		 * The target of a request with this raw path and query.
		 * @param method the HTTP method
		 * @param rawPath the percent-encoded path, {@code null} or empty for {@code /}
		 * @param rawQuery the percent-encoded query, {@code null} or empty when there is none
		 * @param body the body bytes, empty when there is none
		 * @return the target
		 */
		public static Target of(String method, String rawPath, String rawQuery, byte[] body) {
			String path = (rawPath == null || rawPath.isEmpty()) ? "/" : rawPath;
			return new Target(method, (rawQuery == null || rawQuery.isEmpty()) ? path : path + "?" + rawQuery,
					digest(body));
		}

		/**
		 * The body digest as signed and sent in {@link TccHeaders#BODY_DIGEST}.
		 * @param body the body bytes
		 * @return base64url SHA-256 without padding
		 */
		public static String digest(byte[] body) {
			try {
				return ENCODER.encodeToString(MessageDigest.getInstance("SHA-256").digest(body));
			}
			catch (GeneralSecurityException ex) {
				throw new IllegalStateException("SHA-256 is not available", ex);
			}
		}

	}

	/**
	 * The TCC header values a request carries, each {@code null} when absent.
	 * @param xid {@link TccHeaders#XID}
	 * @param branchId {@link TccHeaders#BRANCH}
	 * @param timestamp {@link TccHeaders#TIMESTAMP}
	 * @param signature {@link TccHeaders#SIGNATURE}
	 * @param bodyDigest {@link TccHeaders#BODY_DIGEST}
	 */
	public record Presented(String xid, String branchId, String timestamp, String signature, String bodyDigest) {

		/**
		 * Reads the headers.
		 * @param header a request's header by name, {@code null} when absent
		 * @return the values
		 */
		public static Presented from(Function<String, String> header) {
			return new Presented(header.apply(TccHeaders.XID), header.apply(TccHeaders.BRANCH),
					header.apply(TccHeaders.TIMESTAMP), header.apply(TccHeaders.SIGNATURE),
					header.apply(TccHeaders.BODY_DIGEST));
		}

	}

	/**
	 * The header values of one signed request.
	 * @param xid the global transaction id
	 * @param branchId the branch id
	 * @param timestamp when it was signed, epoch millis
	 * @param signature the signature
	 * @param bodyDigest the digest of the body it was signed with
	 */
	public record Signed(String xid, String branchId, long timestamp, String signature, String bodyDigest) {

		/**
		 * Hands each header to {@code setter}.
		 * @param setter sets one header, replacing any value it had
		 */
		public void writeTo(BiConsumer<String, String> setter) {
			setter.accept(TccHeaders.XID, this.xid);
			setter.accept(TccHeaders.BRANCH, this.branchId);
			setter.accept(TccHeaders.TIMESTAMP, Long.toString(this.timestamp));
			setter.accept(TccHeaders.SIGNATURE, this.signature);
			setter.accept(TccHeaders.BODY_DIGEST, this.bodyDigest);
		}

	}

	/**
	 * Outcome of {@link #verify}.
	 */
	public enum Verdict {

		/** Signed with our secret, within the clock skew. */
		VALID(200, null),

		/** A TCC header is missing. */
		MISSING(401, "TCC headers missing: " + TccHeaders.XID + ", " + TccHeaders.BRANCH + ", " + TccHeaders.TIMESTAMP
				+ ", " + TccHeaders.SIGNATURE + " and " + TccHeaders.BODY_DIGEST + " are all required"),

		/** A header does not have its format. */
		MALFORMED(400, "TCC headers malformed: xid must match [A-Za-z0-9._:-]{1,128}, branch [A-Za-z0-9._:-]{1,64}, "
				+ "timestamp must be epoch milliseconds, body digest a base64url SHA-256 without padding"),

		/** The body is not the one the headers were signed with. */
		BAD_DIGEST(401, "TCC body digest does not match the request body"),

		/** The signature does not match. */
		BAD_SIGNATURE(401, "TCC signature invalid"),

		/** Signed too long ago or too far in the future. */
		STALE(401, "TCC timestamp outside the allowed clock skew (distcore.tcc.security.max-clock-skew)"),

		/** This application has no secret to check with. */
		NO_SECRET(401, "TCC requests cannot be verified: distcore.tcc.security.secret is not set here");

		private final int status;

		private final String reason;

		Verdict(int status, String reason) {
			this.status = status;
			this.reason = reason;
		}

		/**
		 * The HTTP status a refused request gets.
		 * @return 400 or 401 (200 for {@link #VALID})
		 */
		public int status() {
			return this.status;
		}

		/**
		 * Why the request is refused, fit for a response.
		 * @return the reason, {@code null} for {@link #VALID}
		 */
		public String reason() {
			return this.reason;
		}

	}

}
