package io.distcore.tcc.web;

import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * A request whose body the TCC filter has already read to check its digest: the application reads the same
 * bytes from memory. The container cannot parse form parameters from a stream that was consumed, so those of a
 * URL-encoded body are parsed here, after the query's, as the Servlet specification orders them.
 */
final class BufferedBodyRequest extends HttpServletRequestWrapper {

	private static final String FORM = "application/x-www-form-urlencoded";

	private final byte[] body;

	private Map<String, String[]> parameters;

	BufferedBodyRequest(HttpServletRequest request, byte[] body) {
		super(request);
		this.body = body;
	}

	@Override
	public ServletInputStream getInputStream() {
		ByteArrayInputStream bytes = new ByteArrayInputStream(this.body);
		return new ServletInputStream() {

			@Override
			public int read() {
				return bytes.read();
			}

			@Override
			public int read(byte[] buffer, int offset, int length) {
				return bytes.read(buffer, offset, length);
			}

			@Override
			public boolean isFinished() {
				return bytes.available() == 0;
			}

			@Override
			public boolean isReady() {
				return true;
			}

			@Override
			public void setReadListener(ReadListener listener) {
				try {
					// Everything is in memory: it is all available now.
					listener.onDataAvailable();
					listener.onAllDataRead();
				}
				catch (IOException ex) {
					listener.onError(ex);
				}
			}

		};
	}

	@Override
	public BufferedReader getReader() {
		return new BufferedReader(new InputStreamReader(getInputStream(), charset()));
	}

	@Override
	public int getContentLength() {
		return this.body.length;
	}

	@Override
	public long getContentLengthLong() {
		return this.body.length;
	}

	@Override
	public String getParameter(String name) {
		String[] values = parameters().get(name);
		return (values != null) ? values[0] : null;
	}

	@Override
	public Map<String, String[]> getParameterMap() {
		return parameters();
	}

	@Override
	public Enumeration<String> getParameterNames() {
		return Collections.enumeration(parameters().keySet());
	}

	@Override
	public String[] getParameterValues(String name) {
		String[] values = parameters().get(name);
		return (values != null) ? values.clone() : null;
	}

	private Map<String, String[]> parameters() {
		if (this.parameters == null) {
			Map<String, List<String>> parsed = new LinkedHashMap<>();
			// The container decodes the query with its own URI encoding, which this cannot know; UTF-8 is Boot's.
			parse(getQueryString(), StandardCharsets.UTF_8, parsed);
			String contentType = getContentType();
			if (contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith(FORM)) {
				// Without a declared charset, URL-encoded forms are UTF-8 (the URL Standard; Boot's request default).
				parse(new String(this.body, StandardCharsets.ISO_8859_1),
						(getCharacterEncoding() != null) ? charset() : StandardCharsets.UTF_8, parsed);
			}
			Map<String, String[]> result = new LinkedHashMap<>();
			parsed.forEach((name, values) -> result.put(name, values.toArray(String[]::new)));
			this.parameters = Collections.unmodifiableMap(result);
		}
		return this.parameters;
	}

	private static void parse(String encoded, Charset charset, Map<String, List<String>> into) {
		if (encoded == null || encoded.isEmpty()) {
			return;
		}
		for (String pair : encoded.split("&")) {
			if (pair.isEmpty()) {
				continue;
			}
			int equals = pair.indexOf('=');
			String name = decode((equals < 0) ? pair : pair.substring(0, equals), charset);
			String value = (equals < 0) ? "" : decode(pair.substring(equals + 1), charset);
			into.computeIfAbsent(name, (key) -> new ArrayList<>()).add(value);
		}
	}

	private static String decode(String text, Charset charset) {
		// The body was read as ISO-8859-1, one char per byte, so percent escapes and raw bytes decode alike.
		String bytes = URLDecoder.decode(text, StandardCharsets.ISO_8859_1);
		return new String(bytes.getBytes(StandardCharsets.ISO_8859_1), charset);
	}

	private Charset charset() {
		String encoding = getCharacterEncoding();
		try {
			return (encoding != null) ? Charset.forName(encoding) : StandardCharsets.ISO_8859_1;
		}
		catch (IllegalArgumentException ex) {
			return StandardCharsets.ISO_8859_1;
		}
	}

}
