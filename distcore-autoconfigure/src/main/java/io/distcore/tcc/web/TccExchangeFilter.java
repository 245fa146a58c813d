package io.distcore.tcc.web;

import java.net.URI;

import io.distcore.tcc.TccException;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SynchronousSink;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferLimitException;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.client.reactive.ClientHttpRequest;
import org.springframework.http.client.reactive.ClientHttpRequestDecorator;
import org.springframework.util.Assert;
import org.springframework.web.reactive.function.BodyInserter;
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
 * <p>
 * The signature covers the body, which a {@code WebClient} writes after the headers: the body of an enlisted
 * request is buffered whole (at most {@code maxBodySize} bytes, else the request fails with a
 * {@link TccException} and is not sent), then signed, then written with the headers.
 */
public final class TccExchangeFilter implements ExchangeFilterFunction {

	private final TccSigner signer;

	private final int maxBodySize;

	/**
	 * @param signer signs the headers
	 * @param maxBodySize largest body an enlisted request may have, {@code distcore.tcc.security.max-body-size}
	 */
	public TccExchangeFilter(TccSigner signer, int maxBodySize) {
		Assert.notNull(signer, "signer must not be null");
		Assert.isTrue(maxBodySize >= 0, "maxBodySize must not be negative");
		this.signer = signer;
		this.maxBodySize = maxBodySize;
	}

	@Override
	public Mono<ClientResponse> filter(ClientRequest request, ExchangeFunction next) {
		Enlistment enlisted;
		try {
			enlisted = Enlistment.enlist(request.url());
		}
		catch (RuntimeException ex) {
			return Mono.error(ex);
		}
		if (enlisted == null) {
			return next.exchange(request);
		}
		// The URI the application wrote: the load balancer's filter, after this one, rewrites only its host.
		String method = request.method().name();
		URI uri = request.url();
		BodyInserter<?, ? super ClientHttpRequest> body = request.body();
		BodyInserter<Object, ClientHttpRequest> signing = (outputMessage, context) -> body
			.insert(new SigningRequest(outputMessage, enlisted, method, uri), context);
		return next.exchange(ClientRequest.from(request).body(signing).build());
	}

	/**
	 * Holds the body back until it is complete, then sets the signed headers and writes it.
	 */
	private final class SigningRequest extends ClientHttpRequestDecorator {

		private final Enlistment enlisted;

		private final String method;

		private final URI uri;

		SigningRequest(ClientHttpRequest delegate, Enlistment enlisted, String method, URI uri) {
			super(delegate);
			this.enlisted = enlisted;
			this.method = method;
			this.uri = uri;
		}

		@Override
		public Mono<Void> writeWith(Publisher<? extends DataBuffer> body) {
			int limit = TccExchangeFilter.this.maxBodySize;
			return DataBufferUtils.join(body, limit)
				.onErrorMap(DataBufferLimitException.class, this::tooLarge)
				.handle((DataBuffer joined, SynchronousSink<byte[]> sink) -> {
					int size = joined.readableByteCount();
					// join checks the limit only when it has several buffers to join, not for a single one.
					if (size > limit) {
						DataBufferUtils.release(joined);
						sink.error(tooLarge(null));
						return;
					}
					byte[] bytes = new byte[size];
					joined.read(bytes);
					DataBufferUtils.release(joined);
					sink.next(bytes);
				})
				.defaultIfEmpty(new byte[0])
				.flatMap((bytes) -> {
					sign(bytes);
					return super.writeWith(Mono.just(bufferFactory().wrap(bytes)));
				});
		}

		@Override
		public Mono<Void> writeAndFlushWith(Publisher<? extends Publisher<? extends DataBuffer>> body) {
			return writeWith(Flux.from(body).concatMap(Flux::from));
		}

		@Override
		public Mono<Void> setComplete() {
			return Mono.defer(() -> {
				sign(new byte[0]);
				return super.setComplete();
			});
		}

		private TccException tooLarge(Throwable cause) {
			// The address as enlisted: never the URI's user info.
			return new TccException("The body of TCC call " + this.method + " " + Enlistment.address(this.uri)
					+ this.uri.getRawPath() + " is larger than distcore.tcc.security.max-body-size ("
					+ TccExchangeFilter.this.maxBodySize + " bytes): it is signed, so it must be buffered whole", cause);
		}

		private void sign(byte[] body) {
			this.enlisted.sign(TccExchangeFilter.this.signer, this.method, this.uri, body)
				.writeTo(getHeaders()::set);
		}

	}

}
