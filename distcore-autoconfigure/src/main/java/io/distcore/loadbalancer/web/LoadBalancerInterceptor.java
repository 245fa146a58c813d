package io.distcore.loadbalancer.web;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import io.distcore.loadbalancer.Exchange;
import io.distcore.loadbalancer.LoadBalancer;
import io.distcore.loadbalancer.NoAvailableInstanceException;
import io.distcore.loadbalancer.RetryPolicy;
import io.distcore.loadbalancer.ServiceBalancer;
import io.distcore.loadbalancer.ServiceInstance;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpRequest;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.client.ClientHttpRequestExecution;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.http.client.support.HttpRequestWrapper;
import org.springframework.util.Assert;

/**
 * Sends {@code RestClient} and {@code RestTemplate} requests whose host is a load-balanced service to an
 * instance chosen by the balancer, and retries on another instance as the service's {@link RetryPolicy}
 * allows. The request counts in flight until its response is closed, so a streamed body is covered; connect
 * errors, timeouts and failure statuses feed passive health. Requests to other hosts pass through.
 * <p>
 * Throws {@link NoAvailableInstanceException} when the service has no instance; when every attempt failed, the
 * last attempt's failure is thrown (an {@link IOException} the client wraps, or the last response is returned),
 * also when the instances left to try left the membership during the back-off (the
 * {@link NoAvailableInstanceException} is then added to it as suppressed).
 */
public final class LoadBalancerInterceptor implements ClientHttpRequestInterceptor {

	private final LoadBalancer loadBalancer;

	private final String hashHeader;

	/**
	 * @param loadBalancer the balancer
	 * @param hashHeader request header carrying the consistent-hash key, or {@code null}
	 */
	public LoadBalancerInterceptor(LoadBalancer loadBalancer, String hashHeader) {
		Assert.notNull(loadBalancer, "LoadBalancer must not be null");
		this.loadBalancer = loadBalancer;
		this.hashHeader = hashHeader;
	}

	@Override
	public ClientHttpResponse intercept(HttpRequest request, byte[] body, ClientHttpRequestExecution execution)
			throws IOException {
		URI original = request.getURI();
		ServiceBalancer service = this.loadBalancer.service(original.getHost());
		if (service == null) {
			return execution.execute(request, body);
		}
		String hashKey = HashKeys.resolve(request.getAttributes(), request.getHeaders(), this.hashHeader);
		RetryPolicy retry = service.retryPolicy();
		String method = request.getMethod().name();
		List<ServiceInstance> tried = new ArrayList<>(2);
		IOException lastFailure = null;
		for (int retries = 0;; retries++) {
			if (retries > 0) {
				Requests.sleep(retry.backoffBefore(retries));
			}
			Exchange exchange;
			try {
				exchange = service.start(hashKey, tried);
			}
			catch (NoAvailableInstanceException ex) {
				if (lastFailure == null) {
					throw ex;
				}
				lastFailure.addSuppressed(ex);
				throw lastFailure;
			}
			tried.add(exchange.instance());
			boolean another = tried.size() < service.endpoints().size();
			ClientHttpResponse response = null;
			int status;
			try {
				response = execution.execute(new InstanceRequest(request, exchange.instance()), body);
				// Some clients read the status line only here, so reading it can fail like the exchange itself.
				status = response.getStatusCode().value();
			}
			catch (IOException ex) {
				exchange.failed();
				close(response);
				if (another && retry.mayRetry(method, retries, !Requests.isConnectFailure(ex))) {
					lastFailure = ex;
					continue;
				}
				throw ex;
			}
			catch (RuntimeException | Error ex) {
				exchange.abandoned();
				close(response);
				throw ex;
			}
			if (another && retry.isRetryableStatus(status) && retry.mayRetry(method, retries, true)) {
				exchange.completed(status);
				response.close();
				// A response cannot be returned once closed: if nothing is left to try, the caller learns why.
				lastFailure = null;
				continue;
			}
			return new TrackedResponse(response, exchange, status);
		}
	}

	private static void close(ClientHttpResponse response) {
		if (response != null) {
			response.close();
		}
	}

	private static final class InstanceRequest extends HttpRequestWrapper {

		private final URI uri;

		InstanceRequest(HttpRequest request, ServiceInstance instance) {
			super(request);
			this.uri = Requests.rewrite(request.getURI(), instance.uri());
		}

		@Override
		public URI getURI() {
			return this.uri;
		}

	}

	/**
	 * Ends the exchange when the client closes the response, after reading (or streaming) its body, or closes the
	 * body: a client that hands the body to the caller as a stream leaves the response open, and closing the
	 * stream is then the only end the exchange gets. Ending it twice is harmless.
	 */
	private static final class TrackedResponse implements ClientHttpResponse {

		private final ClientHttpResponse delegate;

		private final Exchange exchange;

		private final int status;

		private InputStream body;

		TrackedResponse(ClientHttpResponse delegate, Exchange exchange, int status) {
			this.delegate = delegate;
			this.exchange = exchange;
			this.status = status;
		}

		@Override
		public HttpStatusCode getStatusCode() throws IOException {
			return this.delegate.getStatusCode();
		}

		@Override
		public String getStatusText() throws IOException {
			return this.delegate.getStatusText();
		}

		@Override
		public HttpHeaders getHeaders() {
			return this.delegate.getHeaders();
		}

		@Override
		public InputStream getBody() throws IOException {
			if (this.body == null) {
				this.body = new FilterInputStream(this.delegate.getBody()) {

					@Override
					public void close() throws IOException {
						try {
							super.close();
						}
						finally {
							TrackedResponse.this.close();
						}
					}

				};
			}
			return this.body;
		}

		@Override
		public void close() {
			try {
				this.delegate.close();
			}
			finally {
				this.exchange.completed(this.status);
			}
		}

	}

}
