package io.distcore.tcc.web;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.function.BiConsumer;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.distcore.tcc.Phase;
import io.distcore.tcc.TccException;

import org.springframework.util.Assert;

/**
 * Signs and verifies TCC requests: {@code base64url(HMAC-SHA256(secret, "v1\n" + xid + "\n" + branch + "\n" + PHASE
 * + "\n" + timestamp))} without padding, {@code PHASE} being {@code TRY} on business calls and {@code CONFIRM} or
 * {@code CANCEL} on phase-two calls, so a signature taken from one kind of call cannot authorize another.
 * Signatures are compared in constant time, and a request whose timestamp is further than the allowed clock skew
 * from this machine's clock is refused. Within that window a request can be replayed; that is harmless because
 * the participant's barrier refuses a second try of a branch and runs each confirm or cancel at most once.
 * <p>
 * The secret is kept only as a key, never in a string this class prints: {@link #toString()} does not show it.
 * A signer {@link #unusable(String) without a secret} refuses to sign and rejects every request.
 */
public final class TccSigner {

	/** The shortest secret accepted outside insecure development mode. */
	public static final int MIN_SECRET_LENGTH = 32;

	private static final String ALGORITHM = "HmacSHA256";

	private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

	private static final Base64.Decoder DECODER = Base64.getUrlDecoder();

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
	 * @return the header values
	 * @throws TccException if this signer has no secret
	 */
	public Signed sign(String xid, String branchId, Phase phase) {
		if (this.key == null) {
			throw new TccException(this.unusableReason);
		}
		long timestamp = this.clock.millis();
		return new Signed(xid, branchId, timestamp, ENCODER.encodeToString(mac(xid, branchId, phase, timestamp)));
	}

	/**
	 * Checks a request's TCC headers for {@code phase}.
	 * @param xid value of {@link TccHeaders#XID}, or {@code null}
	 * @param branchId value of {@link TccHeaders#BRANCH}, or {@code null}
	 * @param timestamp value of {@link TccHeaders#TIMESTAMP}, or {@code null}
	 * @param signature value of {@link TccHeaders#SIGNATURE}, or {@code null}
	 * @param phase the phase the request asks for
	 * @return {@link Verdict#VALID} or why the request is refused
	 */
	public Verdict verify(String xid, String branchId, String timestamp, String signature, Phase phase) {
		if (xid == null || branchId == null || timestamp == null || signature == null) {
			return Verdict.MISSING;
		}
		if (!TccHeaders.XID_PATTERN.matcher(xid).matches() || !TccHeaders.BRANCH_PATTERN.matcher(branchId).matches()
				|| timestamp.isEmpty() || timestamp.length() > 19 || !timestamp.chars().allMatch(Character::isDigit)) {
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
		byte[] presented;
		try {
			presented = DECODER.decode(signature);
		}
		catch (IllegalArgumentException ex) {
			return Verdict.BAD_SIGNATURE;
		}
		// The signature is checked before the time so that an unsigned caller learns nothing about our clock.
		if (!MessageDigest.isEqual(mac(xid, branchId, phase, millis), presented)) {
			return Verdict.BAD_SIGNATURE;
		}
		long skew = Math.abs(this.clock.millis() - millis);
		return (skew < 0 || skew > this.maxClockSkew.toMillis()) ? Verdict.STALE : Verdict.VALID;
	}

	private byte[] mac(String xid, String branchId, Phase phase, long timestamp) {
		String data = "v1\n" + xid + "\n" + branchId + "\n" + phase.name() + "\n" + timestamp;
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
	 * The header values of one signed request.
	 * @param xid the global transaction id
	 * @param branchId the branch id
	 * @param timestamp when it was signed, epoch millis
	 * @param signature the signature
	 */
	public record Signed(String xid, String branchId, long timestamp, String signature) {

		/**
		 * Hands each header to {@code setter}.
		 * @param setter sets one header, replacing any value it had
		 */
		public void writeTo(BiConsumer<String, String> setter) {
			setter.accept(TccHeaders.XID, this.xid);
			setter.accept(TccHeaders.BRANCH, this.branchId);
			setter.accept(TccHeaders.TIMESTAMP, Long.toString(this.timestamp));
			setter.accept(TccHeaders.SIGNATURE, this.signature);
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
				+ " and " + TccHeaders.SIGNATURE + " are all required"),

		/** A header does not have its format. */
		MALFORMED(400, "TCC headers malformed: xid must match [A-Za-z0-9._:-]{1,128}, branch [A-Za-z0-9._:-]{1,64}, "
				+ "timestamp must be epoch milliseconds"),

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
