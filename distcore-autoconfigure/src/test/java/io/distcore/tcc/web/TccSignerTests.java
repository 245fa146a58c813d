package io.distcore.tcc.web;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import io.distcore.tcc.Phase;
import io.distcore.tcc.TccException;
import io.distcore.tcc.web.TccSigner.Presented;
import io.distcore.tcc.web.TccSigner.Signed;
import io.distcore.tcc.web.TccSigner.Target;
import io.distcore.tcc.web.TccSigner.Verdict;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

class TccSignerTests {

	private static final String SECRET = "0123456789abcdef0123456789abcdef-signer";

	private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

	private static final byte[] BODY = "{\"quantity\":1}".getBytes(StandardCharsets.UTF_8);

	private static final Target TARGET = Target.of("POST", URI.create("http://inventory/stock/A1/reservations?x=1"),
			BODY);

	private final TccSigner signer = TccSigner.of(SECRET, Duration.ofMinutes(5), Clock.fixed(NOW, ZoneOffset.UTC));

	@Test
	void signatureOfTheDocumentedStringVerifies() throws Exception {
		Signed signed = this.signer.sign("xid-1", "2", Phase.TRY, TARGET);
		assertThat(signed.timestamp()).isEqualTo(NOW.toEpochMilli());
		// Independent oracle: the contract's string and digest, computed with the JDK directly.
		String digest = Base64.getUrlEncoder().withoutPadding().encodeToString(MessageDigest.getInstance("SHA-256")
			.digest(BODY));
		assertThat(signed.bodyDigest()).isEqualTo(digest).hasSize(43);
		Mac mac = Mac.getInstance("HmacSHA256");
		mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
		String expected = Base64.getUrlEncoder()
			.withoutPadding()
			.encodeToString(mac.doFinal(("v2\nxid-1\n2\nTRY\n" + NOW.toEpochMilli()
					+ "\nPOST\n/stock/A1/reservations?x=1\n" + digest).getBytes(StandardCharsets.UTF_8)));
		assertThat(signed.signature()).isEqualTo(expected).doesNotContain("=");
		assertThat(verify(signed, Phase.TRY)).isEqualTo(Verdict.VALID);
	}

	@Test
	void anotherPhaseXidBranchOrSecretDoesNotVerify() {
		Signed signed = this.signer.sign("xid-1", "2", Phase.TRY, TARGET);
		assertThat(verify(signed, Phase.CONFIRM)).isEqualTo(Verdict.BAD_SIGNATURE);
		assertThat(verify(new Signed("xid-2", "2", signed.timestamp(), signed.signature(), signed.bodyDigest()),
				Phase.TRY))
			.isEqualTo(Verdict.BAD_SIGNATURE);
		assertThat(verify(new Signed("xid-1", "3", signed.timestamp(), signed.signature(), signed.bodyDigest()),
				Phase.TRY))
			.isEqualTo(Verdict.BAD_SIGNATURE);
		assertThat(verify(new Signed("xid-1", "2", signed.timestamp() + 1, signed.signature(), signed.bodyDigest()),
				Phase.TRY))
			.isEqualTo(Verdict.BAD_SIGNATURE);
		TccSigner other = TccSigner.of(SECRET + "x", Duration.ofMinutes(5), Clock.fixed(NOW, ZoneOffset.UTC));
		assertThat(verify(other, signed, Phase.TRY)).isEqualTo(Verdict.BAD_SIGNATURE);
		assertThat(verify(new Signed("xid-1", "2", signed.timestamp(), "not base64 !", signed.bodyDigest()),
				Phase.TRY))
			.isEqualTo(Verdict.BAD_SIGNATURE);
	}

	@Test
	void anotherMethodPathQueryOrBodyDoesNotVerify() {
		Signed signed = this.signer.sign("xid-1", "2", Phase.TRY, TARGET);
		assertThat(verify(signed, Target.of("PUT", "/stock/A1/reservations", "x=1", BODY)))
			.isEqualTo(Verdict.BAD_SIGNATURE);
		assertThat(verify(signed, Target.of("POST", "/stock/B2/reservations", "x=1", BODY)))
			.isEqualTo(Verdict.BAD_SIGNATURE);
		assertThat(verify(signed, Target.of("POST", "/stock/A1/reservations", "x=1000", BODY)))
			.isEqualTo(Verdict.BAD_SIGNATURE);
		assertThat(verify(signed, Target.of("POST", "/stock/A1/reservations", null, BODY)))
			.isEqualTo(Verdict.BAD_SIGNATURE);
		byte[] more = "{\"quantity\":1000}".getBytes(StandardCharsets.UTF_8);
		assertThat(verify(signed, Target.of("POST", "/stock/A1/reservations", "x=1", more)))
			.isEqualTo(Verdict.BAD_DIGEST);
		// A digest header made to match the new body does not help: the signature covers the digest.
		Signed redigested = new Signed("xid-1", "2", signed.timestamp(), signed.signature(),
				Target.digest(more));
		assertThat(verify(redigested, Target.of("POST", "/stock/A1/reservations", "x=1", more)))
			.isEqualTo(Verdict.BAD_SIGNATURE);
		// The host is not signed; the method's case is not either.
		assertThat(verify(signed, Target.of("post", URI.create("http://127.0.0.1:8081/stock/A1/reservations?x=1"),
				BODY))).isEqualTo(Verdict.VALID);
		// One of several forms of the received path may match (the full path, the one within the application).
		assertThat(this.signer.verify(presented(signed), Phase.TRY,
				List.of(Target.of("POST", "/app/stock/A1/reservations", "x=1", BODY), TARGET)))
			.isEqualTo(Verdict.VALID);
	}

	@Test
	void anEmptyPathIsTheRootAndAnEmptyQueryIsNone() {
		assertThat(Target.of("GET", URI.create("http://inventory"), new byte[0]).pathAndQuery()).isEqualTo("/");
		assertThat(Target.of("GET", URI.create("http://inventory/a?"), new byte[0]).pathAndQuery()).isEqualTo("/a");
		assertThat(Target.of("GET", URI.create("http://inventory/a%20b?q=%C3%A9"), new byte[0]).pathAndQuery())
			.isEqualTo("/a%20b?q=%C3%A9");
	}

	@Test
	void timestampsBeyondTheSkewAreStaleBothWays() {
		for (Duration offset : new Duration[] { Duration.ofMinutes(-6), Duration.ofMinutes(6) }) {
			TccSigner elsewhere = TccSigner.of(SECRET, Duration.ofMinutes(5), Clock.fixed(NOW.plus(offset), ZoneOffset.UTC));
			assertThat(verify(elsewhere.sign("x", "1", Phase.CANCEL, TARGET), Phase.CANCEL)).isEqualTo(Verdict.STALE);
		}
		TccSigner withinSkew = TccSigner.of(SECRET, Duration.ofMinutes(5),
				Clock.fixed(NOW.minus(Duration.ofMinutes(4)), ZoneOffset.UTC));
		assertThat(verify(withinSkew.sign("x", "1", Phase.CANCEL, TARGET), Phase.CANCEL)).isEqualTo(Verdict.VALID);
	}

	@Test
	void missingAndMalformedHeaders() {
		Signed signed = this.signer.sign("x", "1", Phase.TRY, TARGET);
		String ts = Long.toString(signed.timestamp());
		String sig = signed.signature();
		String digest = signed.bodyDigest();
		assertThat(verify(new Presented(null, "1", ts, sig, digest))).isEqualTo(Verdict.MISSING);
		assertThat(verify(new Presented("x", "1", ts, null, digest))).isEqualTo(Verdict.MISSING);
		assertThat(verify(new Presented("x", "1", ts, sig, null))).isEqualTo(Verdict.MISSING);
		assertThat(verify(new Presented("x y", "1", ts, sig, digest))).isEqualTo(Verdict.MALFORMED);
		assertThat(verify(new Presented("x".repeat(129), "1", ts, sig, digest))).isEqualTo(Verdict.MALFORMED);
		assertThat(verify(new Presented("x", "1".repeat(65), ts, sig, digest))).isEqualTo(Verdict.MALFORMED);
		assertThat(verify(new Presented("x", "1", "-5", sig, digest))).isEqualTo(Verdict.MALFORMED);
		assertThat(verify(new Presented("x", "1", "99999999999999999999", sig, digest))).isEqualTo(Verdict.MALFORMED);
		assertThat(verify(new Presented("x", "1", ts, sig, digest + "="))).isEqualTo(Verdict.MALFORMED);
		assertThat(verify(new Presented("x", "1", ts, sig, "short"))).isEqualTo(Verdict.MALFORMED);
		assertThat(Verdict.MALFORMED.status()).isEqualTo(400);
		assertThat(Verdict.BAD_SIGNATURE.status()).isEqualTo(401);
		assertThat(Verdict.BAD_DIGEST.status()).isEqualTo(401);
	}

	@Test
	void unusableSignerRefusesToSignAndRejectsEverything() {
		TccSigner unusable = TccSigner.unusable("no secret here");
		assertThatExceptionOfType(TccException.class).isThrownBy(() -> unusable.sign("x", "1", Phase.TRY, TARGET))
			.withMessage("no secret here");
		Signed signed = this.signer.sign("x", "1", Phase.TRY, TARGET);
		assertThat(verify(unusable, signed, Phase.TRY)).isEqualTo(Verdict.NO_SECRET);
	}

	@Test
	void toStringDoesNotShowTheSecret() {
		assertThat(this.signer.toString()).doesNotContain(SECRET).doesNotContain("0123456789");
	}

	private Verdict verify(Signed signed, Phase phase) {
		return verify(this.signer, signed, phase);
	}

	private Verdict verify(Signed signed, Target received) {
		return this.signer.verify(presented(signed), Phase.TRY, List.of(received));
	}

	private Verdict verify(Presented presented) {
		return this.signer.verify(presented, Phase.TRY, List.of(TARGET));
	}

	private static Verdict verify(TccSigner signer, Signed signed, Phase phase) {
		return signer.verify(presented(signed), phase, List.of(TARGET));
	}

	private static Presented presented(Signed signed) {
		return new Presented(signed.xid(), signed.branchId(), Long.toString(signed.timestamp()), signed.signature(),
				signed.bodyDigest());
	}

}
