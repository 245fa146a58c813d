package io.distcore.loadbalancer.strategy;

import java.nio.charset.StandardCharsets;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * MD5 as ketama uses it: four little-endian 32-bit points per digest, and a key's hash from the first four
 * bytes of its digest, computed without allocating for ASCII keys.
 */
final class Md5 {

	// MessageDigest is not thread-safe; one per thread also keeps its buffers off the request path's allocations.
	private static final ThreadLocal<Md5> PER_THREAD = ThreadLocal.withInitial(Md5::new);

	private final MessageDigest digest = newDigest();

	private final byte[] output = new byte[16];

	private byte[] input = new byte[64];

	private Md5() {
	}

	static MessageDigest newDigest() {
		try {
			return MessageDigest.getInstance("MD5");
		}
		catch (NoSuchAlgorithmException ex) {
			throw new IllegalStateException("MD5 is required of every Java platform", ex);
		}
	}

	/**
	 * The k-th point (0 to 3) of a digest: bytes 4k to 4k + 3, little-endian, as an unsigned value.
	 */
	static long point(byte[] digest, int k) {
		return ((digest[3 + k * 4] & 0xFFL) << 24) | ((digest[2 + k * 4] & 0xFFL) << 16)
				| ((digest[1 + k * 4] & 0xFFL) << 8) | (digest[k * 4] & 0xFFL);
	}

	/**
	 * libketama's {@code ketama_hashi}: the first point of the MD5 of the key's UTF-8 bytes.
	 */
	static long keyHash(String key) {
		return PER_THREAD.get().hash(key);
	}

	private long hash(String key) {
		int length = key.length();
		if (this.input.length < length) {
			this.input = new byte[Math.max(length, this.input.length * 2)];
		}
		for (int i = 0; i < length; i++) {
			char c = key.charAt(i);
			if (c >= 0x80) {
				this.digest.reset();
				this.digest.update(key.getBytes(StandardCharsets.UTF_8));
				return finish();
			}
			this.input[i] = (byte) c;
		}
		this.digest.update(this.input, 0, length);
		return finish();
	}

	private long finish() {
		try {
			this.digest.digest(this.output, 0, this.output.length);
		}
		catch (DigestException ex) {
			throw new IllegalStateException("MD5 digests are 16 bytes", ex);
		}
		return point(this.output, 0);
	}

}
