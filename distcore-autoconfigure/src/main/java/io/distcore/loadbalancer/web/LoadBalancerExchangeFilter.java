package io.distcore.loadbalancer.web;

import java.util.ArrayList;
import java.util.List;

import io.distcore.loadbalancer.Exchange;
import io.distcore.loadbalancer.LoadBalancer;
import io.distcore.loadbalancer.NoAvailableInstanceException;
import io.distcore.loadbalancer.RetryPolicy;
import io.distcore.loadbalancer.ServiceBalancer;
import io.distcore.loadbalancer.ServiceInstance;
import reactor.core.publisher.Mono;

import org.springframework.util.Assert;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * The {@code WebClient} counterpart of {@link LoadBalancerInterceptor}: same instance choice, retries and
 * passive health. A request counts in flight until its response body completes, errors or is cancelled, so a
 * streamed body is covered; back-off between retries does not block a thread.
 */
public final class LoadBalancerExchangeFilter implements ExchangeFilterFunction {

	private final LoadBalancer loadBalancer;

	private final String hashHeader;

	/**
	 * @param loadBalancer the balancer
	 * @param hashHeader request header carrying the consistent-hash key, or {@code null}
	 */
	public LoadBalancerExchangeFilter(LoadBalancer loadBalancer, String hashHeader) {
		Assert.notNull(loadBalancer, "LoadBalancer must not be null");
		this.loadBalancer = loadBalancer;
		this.hashHeader = hashHeader;
	}

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		ServiceBalancer service = this.loadBalancer.service(request.url().getHost());
		if (service == null) {
			return next.exchange(request);
		}
		String hashKey = HashKeys.resolve(request.attributes(), request.headers(), this.hashHeader);
		return Mono.defer(() -> new Attempts(request, next, service, hashKey).attempt(0, null));
	}

	/**
	 * The attempts of one subscription to one request.
	 */
	private static final class Attempts {

		private final ClientRequest request;

		private final ExchangeFunction next;

		private final ServiceBalancer service;

		private final String hashKey;

		private final List<ServiceInstance> tried = new ArrayList<>(2);

		Attempts(ClientRequest request, ExchangeFunction next, ServiceBalancer service, String hashKey) {
			this.request = request;
			this.next = next;
			this.service = service;
			this.hashKey = hashKey;
		}

		// lastFailure: the previous attempt's error, thrown instead when nothing is left to try (the instances left
		// to try left the membership during the back-off); null after a retryable status, whose response is gone.
		Mono<ClientResponse> attempt(int retries, Throwable lastFailure) {
			Exchange exchange;
			try {
				exchange = this.service.start(this.hashKey, this.tried);
			}
			catch (NoAvailableInstanceException ex) {
				if (lastFailure == null) {
					return Mono.error(ex);
				}
				lastFailure.addSuppressed(ex);
				return Mono.error(lastFailure);
			}
			this.tried.add(exchange.instance());
			boolean another = this.tried.size() < this.service.endpoints().size();
			RetryPolicy retry = this.service.retryPolicy();
			String method = this.request.method().name();
			ClientRequest target = ClientRequest.from(this.request)
				.url(Requests.rewrite(this.request.url(), exchange.instance().uri()))
				.build();
			// Outcomes are turned into values first so that the handling below never sees a later attempt's.
			return this.next.exchange(target)
				.<Object>map((response) -> response)
				.onErrorResume((ex) -> Mono.just(new Failure(ex)))
				.doOnCancel(exchange::abandoned)
				.flatMap((outcome) -> {
					if (outcome instanceof Failure failure) {
						exchange.failed();
						if (another && retry.mayRetry(method, retries, !Requests.isConnectFailure(failure.error()))) {
							return retryLater(retry, retries + 1, failure.error());
						}
						return Mono.error(failure.error());
					}
					ClientResponse response = (ClientResponse) outcome;
					int status = response.statusCode().value();
					if (another && retry.isRetryableStatus(status) && retry.mayRetry(method, retries, true)) {
						exchange.completed(status);
						return response.releaseBody().then(retryLater(retry, retries + 1, null));
					}
					return Mono.just(response.mutate()
						.body((body) -> body.doFinally((signal) -> exchange.completed(status)))
						.build());
				});
		}

		private Mono<ClientResponse> retryLater(RetryPolicy retry, int retries, Throwable lastFailure) {
			Mono<ClientResponse> next = Mono.defer(() -> attempt(retries, lastFailure));
			return retry.backoffBefore(retries).isZero() ? next
					: Mono.delay(retry.backoffBefore(retries)).then(next);
		}

	}

	private record Failure(Throwable error) {
	}

}
