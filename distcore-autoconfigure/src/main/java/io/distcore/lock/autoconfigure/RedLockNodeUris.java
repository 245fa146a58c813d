package io.distcore.lock.autoconfigure;

import java.util.Arrays;
import java.util.Collection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The text of {@code distcore.lock.redlock.nodes} entries with their passwords masked, for actuator output and
 * error messages; like Lettuce's {@code RedisURI.toString()}, but for text that may not even parse.
 */
final class RedLockNodeUris {

	static final String MASK = "******";

	/** The user info ends at the last {@code @} before the path, so a password may contain {@code @}. */
	private static final Pattern USER_INFO = Pattern.compile("^(\\s*[a-zA-Z][a-zA-Z0-9+.-]*://)([^/]*)@");

	private RedLockNodeUris() {
	}

	/**
	 * Masks the password of every entry.
	 * @param value one entry, a comma-separated list of them (as the environment holds them) or a collection
	 * @return the value with {@code user:password@} as {@code user:******@} and a lone {@code password@} (Redis
	 * URIs' password-only form) as {@code ******@}
	 */
	static Object mask(Object value) {
		if (value instanceof Collection<?> entries) {
			return entries.stream().map(RedLockNodeUris::mask).toList();
		}
		if (value instanceof CharSequence text) {
			return Arrays.stream(text.toString().split(",", -1))
				.map(RedLockNodeUris::maskOne)
				.collect(Collectors.joining(","));
		}
		return value;
	}

	private static String maskOne(String entry) {
		Matcher matcher = USER_INFO.matcher(entry);
		if (!matcher.find()) {
			return entry;
		}
		String userInfo = matcher.group(2);
		int colon = userInfo.indexOf(':');
		String masked = (colon >= 0) ? userInfo.substring(0, colon + 1) + MASK : MASK;
		return matcher.group(1) + masked + "@" + entry.substring(matcher.end());
	}

}
