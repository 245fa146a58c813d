package io.distcore.loadbalancer.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

import io.distcore.loadbalancer.DefaultLoadBalancer;
import io.distcore.loadbalancer.NoAvailableInstanceException;
import io.distcore.loadbalancer.RetryPolicy;
import io.distcore.loadbalancer.ServiceBalancer;
import io.distcore.loadbalancer.ServiceInstance;
import io.distcore.loadbalancer.health.PassiveHealthPolicy;
import io.distcore.loadbalancer.strategy.LeastConnectionsStrategy;
import io.distcore.loadbalancer.strategy.RoundRobinStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.client.reactive.JdkClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * The WebClient filter over real HTTP servers on random ports.
 */
class LoadBalancerExchangeFilterTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

	private static final Set<Integer> FAILURES = Set.of(500, 502, 503, 504);

	private final List<TestHttpServer> servers = new ArrayList<>();

	@AfterEach
	void stopServers() {
		this.servers.forEach(TestHttpServer::close);
	}

	@Test
	void retryLandsOnAnotherInstanceAndFailuresEjectTheFailingOne() throws IOException {
		TestHttpServer failing = server("a");
		TestHttpServer healthy = server("b");
		failing.answer(503);
		PassiveHealthPolicy health = new PassiveHealthPolicy(2, Duration.ofSeconds(30), Duration.ofMinutes(1), 0.5,
				0.5, Duration.ZERO, 0.1);
		ServiceBalancer service = new ServiceBalancer("inventory", new RoundRobinStrategy(), health,
				new RetryPolicy(1, Duration.ofMillis(1), Set.of(503), false), Set.of(503),
				List.of(new ServiceInstance("inventory", failing.url(), 1),
						new ServiceInstance("inventory", healthy.url(), 1)));
		WebClient client = client(service);
		for (int i = 0; i < 6; i++) {
			assertThat(client.get().uri("http://inventory/items").retrieve().bodyToMono(String.class).block(TIMEOUT))
				.isEqualTo("b");
		}
		assertThat(failing.hits()).isEqualTo(2);
		assertThat(service.health().ejectedCount()).isEqualTo(1);
		// The body's completion reaches the caller just before the exchange's own end-of-body hook runs.
		await().atMost(TIMEOUT)
			.untilAsserted(() -> assertThat(service.endpoints()).allSatisfy((endpoint) -> assertThat(endpoint.inFlight()).isZero()));
	}

	@Test
	void connectFailureOfAPostIsRetried() throws IOException {
		TestHttpServer live = server("live");
		ServiceBalancer service = new ServiceBalancer("inventory", new RoundRobinStrategy(),
				List.of(new ServiceInstance("inventory", TestHttpServer.deadUrl(), 1),
						new ServiceInstance("inventory", live.url(), 1)));
		for (int i = 0; i < 4; i++) {
			assertThat(client(service).post()
				.uri("http://inventory/orders")
				.bodyValue("{}")
				.retrieve()
				.bodyToMono(String.class)
				.block(TIMEOUT)).isEqualTo("live");
		}
	}

	@Test
	void inFlightCountCoversTheStreamedBody() throws IOException {
		TestHttpServer slow = server("chunk");
		slow.streamSlowly(4, 100);
		ServiceBalancer service = new ServiceBalancer("inventory", new RoundRobinStrategy(),
				List.of(new ServiceInstance("inventory", slow.url(), 1)));
		List<Integer> seen = new ArrayList<>();
		String body = client(service).get()
			.uri("http://inventory/stream")
			.retrieve()
			.bodyToFlux(DataBuffer.class)
			.map((buffer) -> {
				seen.add(service.endpoints().get(0).inFlight());
				String text = buffer.toString(StandardCharsets.UTF_8);
				DataBufferUtils.release(buffer);
				return text;
			})
			.reduce(String::concat)
			.block(TIMEOUT);
		assertThat(body).isEqualTo("chunk".repeat(4));
		assertThat(seen).isNotEmpty().containsOnly(1);
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(service.endpoints().get(0).inFlight()).isZero());
	}

	@Test
	void serviceWithoutInstancesIsATypedException() {
		ServiceBalancer service = new ServiceBalancer("inventory", new RoundRobinStrategy(), List.of());
		assertThatExceptionOfType(NoAvailableInstanceException.class).isThrownBy(
				() -> client(service).get().uri("http://inventory/items").retrieve().bodyToMono(String.class).block(TIMEOUT));
	}

	@Test
	void otherHostsPassThrough() throws IOException {
		TestHttpServer direct = server("direct");
		ServiceBalancer service = new ServiceBalancer("inventory", new RoundRobinStrategy(), List.of());
		assertThat(client(service).get().uri(direct.url() + "/x").retrieve().bodyToMono(String.class).block(TIMEOUT))
			.isEqualTo("direct");
	}

	// The WebClient counterpart of the interceptor's test of the same name.
	@Test
	void membershipShrinkingDuringTheBackoffStillThrowsTheLastAttemptsFailure() throws Exception {
		TestHttpServer hangingUp = server("hanging-up");
		hangingUp.hangUp();
		TestHttpServer leaving = server("leaving");
		LeavingDuringBackoff membership = new LeavingDuringBackoff(hangingUp, leaving, FAILURES);
		WebClient client = client(membership.service());
		Throwable thrown = catchThrowable(() -> client.get().uri("http://inventory/x").retrieve()
			.bodyToMono(String.class).block(TIMEOUT));
		membership.awaitLeft();
		assertThat(thrown).isNotInstanceOf(NoAvailableInstanceException.class);
		assertThat(thrown).hasRootCauseInstanceOf(IOException.class);
		assertThat(thrown.getSuppressed()).anyMatch(NoAvailableInstanceException.class::isInstance);
		assertThat(leaving.hits()).isZero();
	}

	// Cancellation at any moment (a timeout, a disposed subscription) must end every exchange it started.
	@Test
	void webClientCancelledAtRandomMomentsLeaksNoInFlightRequest() throws IOException {
		TestHttpServer a = server("a");
		TestHttpServer b = server("b");
		a.streamSlowly(3, 2);
		b.streamSlowly(3, 2);
		ServiceBalancer service = new ServiceBalancer("inventory", new LeastConnectionsStrategy(),
				PassiveHealthPolicy.DEFAULT, RetryPolicy.DEFAULT, FAILURES,
				List.of(new ServiceInstance("inventory", a.url(), 1), new ServiceInstance("inventory", b.url(), 1)));
		WebClient client = client(service);
		for (int i = 0; i < 300; i++) {
			Disposable call = client.get().uri("http://inventory/x").retrieve().bodyToMono(String.class).subscribe(
					(body) -> {
					}, (error) -> {
					});
			sleepMicros(ThreadLocalRandom.current().nextInt(0, 8000));
			call.dispose();
		}
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(service.endpoints())
			.allSatisfy((endpoint) -> assertThat(endpoint.inFlight()).as(endpoint + " in flight").isZero()));
	}

	private static void sleepMicros(int micros) {
		try {
			Thread.sleep(micros / 1000, (micros % 1000) * 1000);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private TestHttpServer server(String name) throws IOException {
		TestHttpServer server = new TestHttpServer(name);
		this.servers.add(server);
		return server;
	}

	private static WebClient client(ServiceBalancer service) {
		return WebClient.builder()
			.clientConnector(new JdkClientHttpConnector())
			.filter(new LoadBalancerExchangeFilter(new DefaultLoadBalancer(List.of(service)), null))
			.build();
	}

}
