package io.distcore.loadbalancer.web;

import java.util.Map;

import jakarta.servlet.http.HttpServletRequest;

import org.springframework.http.HttpHeaders;
import org.springframework.util.ClassUtils;
import org.springframework.web.context.request.RequestAttributes;
import org.springframework.web.context.request.RequestContextHolder;
import org.springframework.web.context.request.ServletRequestAttributes;

/**
 * Where a request's consistent-hash key comes from, in order: the {@link #ATTRIBUTE} request attribute (an
 * explicit key), the configured header, the address of the client whose inbound servlet request the current
 * thread is serving. No key means a random point of the ring.
 */
public final class HashKeys {

	/**
	 * Request attribute holding an explicit hash key, e.g. {@code restClient.get().attribute(HashKeys.ATTRIBUTE,
	 * userId)}.
	 */
	public static final String ATTRIBUTE = HashKeys.class.getName() + ".key";

	private static final boolean SERVLET_PRESENT = ClassUtils.isPresent("jakarta.servlet.http.HttpServletRequest",
			HashKeys.class.getClassLoader());

	private HashKeys() {
	}

	static String resolve(Map<String, Object> attributes, HttpHeaders headers, String header) {
		Object explicit = attributes.get(ATTRIBUTE);
		if (explicit != null) {
			return explicit.toString();
		}
		String value = (header != null) ? headers.getFirst(header) : null;
		return (value != null) ? value : clientAddress();
	}

	private static String clientAddress() {
		return SERVLET_PRESENT ? ServletClient.address() : null;
	}

	/**
	 * Touches the Servlet API only when it is on the class path.
	 */
	private static final class ServletClient {

		static String address() {
			RequestAttributes attributes = RequestContextHolder.getRequestAttributes();
			if (attributes instanceof ServletRequestAttributes servlet) {
				HttpServletRequest request = servlet.getRequest();
				return request.getRemoteAddr();
			}
			return null;
		}

	}

}
