package io.distcore.tcc.web;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;

import io.distcore.tcc.Phase;
import io.distcore.tcc.TccException;
import io.distcore.tcc.web.TccSigner.Signed;
import io.distcore.tcc.web.TccSigner.Verdict;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class TccSignerTests {

	private static final String SECRET = "0123456789abcdef0123456789abcdef-signer";

	private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

	private final TccSigner signer = TccSigner.of(SECRET, Duration.ofMinutes(5), Clock.fixed(NOW, ZoneOffset.UTC));

	@Test
	void signatureOfTheDocumentedStringVerifies() throws Exception {
		Signed signed = this.signer.sign("xid-1", "2", Phase.TRY);
		assertThat(signed.timestamp()).isEqualTo(NOW.toEpochMilli());
		// Independent oracle: the contract's string, signed with the JDK directly.
		javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
		mac.init(new javax.crypto.spec.SecretKeySpec(SECRET.getBytes(java.nio.charset.StandardCharsets.UTF_8),
				"HmacSHA256"));
		String expected = java.util.Base64.getUrlEncoder()
			.withoutPadding()
			.encodeToString(mac.doFinal(("v1\nxid-1\n2\nTRY\n" + NOW.toEpochMilli())
				.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
		assertThat(signed.signature()).isEqualTo(expected).doesNotContain("=");
		assertThat(verify(signed, Phase.TRY)).isEqualTo(Verdict.VALID);
	}

	@Test
	void anotherPhaseXidBranchOrSecretDoesNotVerify() {
		Signed signed = this.signer.sign("xid-1", "2", Phase.TRY);
		assertThat(verify(signed, Phase.CONFIRM)).isEqualTo(Verdict.BAD_SIGNATURE);
		assertThat(this.signer.verify("xid-2", "2", ts(signed), signed.signature(), Phase.TRY))
			.isEqualTo(Verdict.BAD_SIGNATURE);
		assertThat(this.signer.verify("xid-1", "3", ts(signed), signed.signature(), Phase.TRY))
			.isEqualTo(Verdict.BAD_SIGNATURE);
		assertThat(this.signer.verify("xid-1", "2", Long.toString(signed.timestamp() + 1), signed.signature(),
				Phase.TRY))
			.isEqualTo(Verdict.BAD_SIGNATURE);
		TccSigner other = TccSigner.of(SECRET + "x", Duration.ofMinutes(5), Clock.fixed(NOW, ZoneOffset.UTC));
		assertThat(other.verify("xid-1", "2", ts(signed), signed.signature(), Phase.TRY))
			.isEqualTo(Verdict.BAD_SIGNATURE);
		assertThat(this.signer.verify("xid-1", "2", ts(signed), "not base64 !", Phase.TRY))
			.isEqualTo(Verdict.BAD_SIGNATURE);
	}

	@Test
	void timestampsBeyondTheSkewAreStaleBothWays() {
		for (Duration offset : new Duration[] { Duration.ofMinutes(-6), Duration.ofMinutes(6) }) {
			TccSigner elsewhere = TccSigner.of(SECRET, Duration.ofMinutes(5), Clock.fixed(NOW.plus(offset), ZoneOffset.UTC));
			assertThat(verify(elsewhere.sign("x", "1", Phase.CANCEL), Phase.CANCEL)).isEqualTo(Verdict.STALE);
		}
		TccSigner withinSkew = TccSigner.of(SECRET, Duration.ofMinutes(5),
				Clock.fixed(NOW.minus(Duration.ofMinutes(4)), ZoneOffset.UTC));
		assertThat(verify(withinSkew.sign("x", "1", Phase.CANCEL), Phase.CANCEL)).isEqualTo(Verdict.VALID);
	}

	@Test
	void missingAndMalformedHeaders() {
		Signed signed = this.signer.sign("x", "1", Phase.TRY);
		assertThat(this.signer.verify(null, "1", ts(signed), signed.signature(), Phase.TRY)).isEqualTo(Verdict.MISSING);
		assertThat(this.signer.verify("x", "1", ts(signed), null, Phase.TRY)).isEqualTo(Verdict.MISSING);
		assertThat(this.signer.verify("x y", "1", ts(signed), signed.signature(), Phase.TRY))
			.isEqualTo(Verdict.MALFORMED);
		assertThat(this.signer.verify("x".repeat(129), "1", ts(signed), signed.signature(), Phase.TRY))
			.isEqualTo(Verdict.MALFORMED);
		assertThat(this.signer.verify("x", "1".repeat(65), ts(signed), signed.signature(), Phase.TRY))
			.isEqualTo(Verdict.MALFORMED);
		assertThat(this.signer.verify("x", "1", "-5", signed.signature(), Phase.TRY)).isEqualTo(Verdict.MALFORMED);
		assertThat(this.signer.verify("x", "1", "99999999999999999999", signed.signature(), Phase.TRY))
			.isEqualTo(Verdict.MALFORMED);
		assertThat(Verdict.MALFORMED.status()).isEqualTo(400);
		assertThat(Verdict.BAD_SIGNATURE.status()).isEqualTo(401);
	}

	@Test
	void unusableSignerRefusesToSignAndRejectsEverything() {
		TccSigner unusable = TccSigner.unusable("no secret here");
		assertThatExceptionOfType(TccException.class).isThrownBy(() -> unusable.sign("x", "1", Phase.TRY))
			.withMessage("no secret here");
		Signed signed = this.signer.sign("x", "1", Phase.TRY);
		assertThat(verify(unusable, signed, Phase.TRY)).isEqualTo(Verdict.NO_SECRET);
	}

	@Test
	void toStringDoesNotShowTheSecret() {
		assertThat(this.signer.toString()).doesNotContain(SECRET).doesNotContain("0123456789");
	}

	private Verdict verify(Signed signed, Phase phase) {
		return verify(this.signer, signed, phase);
	}

	private static Verdict verify(TccSigner signer, Signed signed, Phase phase) {
		return signer.verify(signed.xid(), signed.branchId(), ts(signed), signed.signature(), phase);
	}

	private static String ts(Signed signed) {
		return Long.toString(signed.timestamp());
	}

}
