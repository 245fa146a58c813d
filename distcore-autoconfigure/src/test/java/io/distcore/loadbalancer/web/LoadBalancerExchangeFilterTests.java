package io.distcore.loadbalancer.web;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.distcore.loadbalancer.DefaultLoadBalancer;
import io.distcore.loadbalancer.NoAvailableInstanceException;
import io.distcore.loadbalancer.RetryPolicy;
import io.distcore.loadbalancer.ServiceBalancer;
import io.distcore.loadbalancer.ServiceInstance;
import io.distcore.loadbalancer.health.PassiveHealthPolicy;
import io.distcore.loadbalancer.strategy.RoundRobinStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.http.client.reactive.JdkClientHttpConnector;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * The WebClient filter over real HTTP servers on random ports.
 */
class LoadBalancerExchangeFilterTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(30);

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
