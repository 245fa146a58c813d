package io.distcore.tcc.web;

import java.io.IOException;

import org.springframework.core.Ordered;
import org.springframework.http.HttpRequest;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.util.Assert;

/**
 * Enlists {@code RestClient} and {@code RestTemplate} calls made while a global transaction is bound
 * ({@link io.distcore.tcc.TccBinding#currentTransaction()}) and adds the signed TRY headers. The branch is recorded
 * under the URI's scheme and authority as the application wrote them ({@code http://inventory}), so the
 * interceptor must run before the distcore load balancer rewrites the URI to an instance: Boot's customizers and,
 * for {@code @LoadBalanced} beans built without them, {@link TccLoadBalancedClientsPostProcessor} put it first, and
 * it has the highest precedence for clients that sort their interceptors. The signature covers the method, the
 * URI's path and query and the body bytes the client buffered for the interceptors (see {@link TccSigner}), so
 * an interceptor after this one must not change them. The load balancer changes the host, and prepends an
 * instance's path prefix, which the participant takes for its context path. Clients built with neither
 * ({@code RestClient.create()} in application code) are not enlisted. Without a bound transaction the request
 * passes unchanged. If the branch cannot be recorded the request is not sent and the {@code TccException} is
 * thrown to the caller.
 */
public final class TccClientInterceptor implements ClientHttpRequestInterceptor, Ordered {

	private final TccSigner signer;

	/**
	 * @param signer signs the headers
	 */
	public TccClientInterceptor(TccSigner signer) {
		Assert.notNull(signer, "signer must not be null");
		this.signer = signer;
	}

	@Override
	public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
			throws IOException {
		Enlistment enlisted = Enlistment.enlist(request.getURI());
		if (enlisted != null) {
			enlisted.sign(this.signer, request.getMethod().name(), request.getURI(), body)
				.writeTo(request.getHeaders()::set);
		}
		return execution.execute(request, body);
	}

	@Override
	public int getOrder() {
		return Ordered.HIGHEST_PRECEDENCE;
	}

}
