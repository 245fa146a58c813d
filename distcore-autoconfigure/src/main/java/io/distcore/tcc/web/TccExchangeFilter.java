package io.distcore.tcc.web;

import reactor.core.publisher.Mono;

import org.springframework.util.Assert;
import org.springframework.web.reactive.function.client.ClientRequest;
import org.springframework.web.reactive.function.client.ClientResponse;
import org.springframework.web.reactive.function.client.ExchangeFilterFunction;
import org.springframework.web.reactive.function.client.ExchangeFunction;

/**
 * The {@code WebClient} counterpart of {@link TccClientInterceptor}. The transaction is looked up on the thread
 * that subscribes to the request, so a request must be subscribed to (e.g. {@code block()}ed) on the thread that
 * runs the {@code @TccTransaction} method, or one the transaction was handed to with {@link TccTaskDecorator};
 * subscribed to elsewhere it is sent without TCC headers, and the participant's {@code @TccAction} then fails
 * because it runs outside any transaction. Enlisting writes to the coordinator's log, so it blocks that thread
 * briefly, like the rest of the transaction does.
 */
public final class TccExchangeFilter implements ExchangeFilterFunction {

	private final TccSigner signer;

	/**
	 * @param signer signs the headers
	 */
	public TccExchangeFilter(TccSigner signer) {
		Assert.notNull(signer, "signer must not be null");
		this.signer = signer;
	}

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		TccSigner.Signed signed;
		try {
			signed = Enlistment.enlist(request.url(), this.signer);
		}
		catch (RuntimeException ex) {
			return Mono.error(ex);
		}
		if (signed == null) {
			return next.exchange(request);
		}
		return next.exchange(ClientRequest.from(request).headers((headers) -> signed.writeTo(headers::set)).build());
	}

}
