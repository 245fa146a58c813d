package io.distcore.test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * A blocking HTTP client for tests that drive a running service over a real socket.
 */
public final class Http {

	private static final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private Http() {
	}

	/**
	 * {@code GET url}.
	 * @param url absolute URL
	 * @return the response
	 */
	public static Response get(String url) {
		return send(HttpRequest.newBuilder(URI.create(url)).GET());
	}

	/**
	 * {@code POST url} with a JSON body.
	 * @param url absolute URL
	 * @param json request body, sent as {@code application/json}
	 * @return the response
	 */
	public static Response postJson(String url, String json) {
		return send(HttpRequest.newBuilder(URI.create(url))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json)));
	}

	/**
	 * {@code POST url} with an empty body and the given headers.
	 * @param url absolute URL
	 * @param headers request headers
	 * @return the response
	 */
	public static Response postWithHeaders(String url, java.util.Map<String, String> headers) {
		return send("POST", url, "", headers);
	}

	/**
	 * A request with any method, a text body (UTF-8, empty for none) and the given headers.
	 * @param method HTTP method
	 * @param url absolute URL
	 * @param body request body
	 * @param headers request headers
	 * @return the response
	 */
	public static Response send(String method, String url, String body, java.util.Map<String, String> headers) {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
			.method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
		headers.forEach(request::header);
		return send(request);
	}

	private static Response send(HttpRequest.Builder request) {
		try {
			HttpResponse<String> response = client.send(request.timeout(Duration.ofSeconds(30)).build(),
					HttpResponse.BodyHandlers.ofString());
			return new Response(response.statusCode(), response.headers().firstValue("Content-Type").orElse(""),
					response.body());
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * What came back.
	 *
	 * @param status HTTP status code
	 * @param contentType {@code Content-Type} header, empty when absent
	 * @param body response body
	 */
	public record Response(int status, String contentType, String body) {
	}

}
