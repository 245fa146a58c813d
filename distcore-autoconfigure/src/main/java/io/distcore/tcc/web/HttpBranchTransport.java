package io.distcore.tcc.web;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

import io.distcore.tcc.BranchTransport;
import io.distcore.tcc.Phase;
import io.distcore.tcc.TccException;

import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.util.Assert;
import org.springframework.web.client.RestClient;

/**
 * Delivers phase two to remote participants (kind {@code http}): {@code POST {address}{path}/confirm} or
 * {@code /cancel} with an empty body and headers signed for that phase, that method, that path and that body. An address whose host is a distcore
 * load-balanced service ({@code http://inventory}) goes through the load balancer, so any healthy instance can
 * serve it (the branch's state is in the participant's database); other addresses are called directly. Only 200
 * means done; any other answer, a timeout or a connection failure throws, and the coordinator retries.
 * <p>
 * The client is this transport's own, not one built from Boot's builders: phase-two calls must never be enlisted
 * as branches themselves.
 */
public final class HttpBranchTransport implements BranchTransport {

	private static final int MAX_ERROR_BODY = 300;

	private static final byte[] NO_BODY = new byte[0];

	private final TccSigner signer;

	private final String path;

	private final RestClient client;

	/**
	 * @param signer signs the calls
	 * @param path the participants' phase-two base path, {@code distcore.tcc.participant.path}
	 * @param connectTimeout connect timeout of each call
	 * @param readTimeout read timeout of each call
	 * @param loadBalancer the distcore load balancer's interceptor, or {@code null} when there is none
	 */
	public HttpBranchTransport(TccSigner signer, String path, Duration connectTimeout, Duration readTimeout,
			ClientHttpRequestInterceptor loadBalancer) {
		Assert.notNull(signer, "signer must not be null");
		Assert.isTrue(path != null && path.startsWith("/"), "path must start with '/'");
		this.signer = signer;
		this.path = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
		SimpleClientHttpRequestFactory requestFactory = new SimpleClientHttpRequestFactory();
		requestFactory.setConnectTimeout(connectTimeout);
		requestFactory.setReadTimeout(readTimeout);
		RestClient.Builder builder = RestClient.builder().requestFactory(requestFactory);
		if (loadBalancer != null) {
			builder.requestInterceptor(loadBalancer);
		}
		this.client = builder.build();
	}

	@Override
	public String kind() {
		return "http";
	}

	@Override
	public void deliver(String xid, String branchId, String address, Phase phase) throws Exception {
		Assert.isTrue(phase != Phase.TRY, "Only CONFIRM and CANCEL are delivered");
		URI uri = URI.create(stripSlash(address) + this.path + "/" + phase.name().toLowerCase(Locale.ROOT));
		TccSigner.Signed signed = this.signer.sign(xid, branchId, phase, TccSigner.Target.of("POST", uri, NO_BODY));
		this.client.post().uri(uri).headers((headers) -> signed.writeTo(headers::set)).exchange((request, response) -> {
			int status = response.getStatusCode().value();
			if (status != 200) {
				throw new TccException("Participant " + address + " answered " + status + " to " + phase + " of branch "
						+ branchId + excerpt(response.getBody()));
			}
			return null;
		});
	}

	private static String stripSlash(String address) {
		return address.endsWith("/") ? address.substring(0, address.length() - 1) : address;
	}

	private static String excerpt(InputStream body) {
		try (body) {
			byte[] bytes = body.readNBytes(MAX_ERROR_BODY);
			return (bytes.length == 0) ? "" : ": " + new String(bytes, StandardCharsets.UTF_8);
		}
		catch (IOException ex) {
			return "";
		}
	}

	@Override
	public String toString() {
		return "HttpBranchTransport[path=" + this.path + "]";
	}

}
