package io.distcore.loadbalancer.web;

import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;

import io.distcore.loadbalancer.DefaultLoadBalancer;
import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.RetryPolicy;
import io.distcore.loadbalancer.ServiceBalancer;
import io.distcore.loadbalancer.ServiceInstance;
import io.distcore.loadbalancer.health.PassiveHealthPolicy;
import io.distcore.loadbalancer.strategy.LeastConnectionsStrategy;
import io.distcore.loadbalancer.strategy.RoundRobinStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.Disposable;

import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.http.client.reactive.JdkClientHttpConnector;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * A hostile review of the load balancer half of issue 9, against real HTTP servers on loopback: each test states
 * what a Spring Cloud LoadBalancer, Envoy or Nginx user expects.
 */
class LoadBalancerReviewFindingsTests {

	private static final Duration TIMEOUT = Duration.ofSeconds(10);

	private static final Set<Integer> FAILURES = Set.of(500, 502, 503, 504);

	private final List<TestHttpServer> servers = new ArrayList<>();

	@AfterEach
	void stopServers() {
		this.servers.forEach(TestHttpServer::close);
	}

	// Spring Framework 7's RestClient does not close the response when the body is an InputStream (or an
	// InputStreamResource): closing the stream is how the caller ends the exchange. The interceptor only counts
	// ClientHttpResponse.close(), so every such call leaks one in-flight request on its instance for good.
	@Test
	void restClientInputStreamBodyClosedByTheCallerEndsTheInFlightCount() throws IOException {
		TestHttpServer server = server("streamed");
		server.streamSlowly(3, 10);
		ServiceBalancer service = new ServiceBalancer("inventory", new LeastConnectionsStrategy(),
				PassiveHealthPolicy.DEFAULT, RetryPolicy.NONE, FAILURES,
				List.of(new ServiceInstance("inventory", server.url(), 1)));
		RestClient client = restClient(service);
		for (int i = 0; i < 5; i++) {
			try (InputStream body = client.get().uri("http://inventory/stream").retrieve().body(InputStream.class)) {
				assertThat(new String(body.readAllBytes())).isEqualTo("streamed".repeat(3));
			}
		}
		Endpoint endpoint = service.endpoints().get(0);
		await().atMost(TIMEOUT).untilAsserted(() -> assertThat(endpoint.inFlight()).as("in flight").isZero());
	}

	// Nginx least_conn compares conns / weight and breaks ties by weighted round robin; Envoy's least request with
	// unequal weights schedules by weight / (active + 1). Both give a weight-3 and a weight-1 instance 3:1 of
	// sequential traffic. The (in-flight + 1) / weight score sends every request of a client that waits for each
	// answer to the heaviest instance: the light one gets nothing.
	@Test
	void leastConnectionsSharesSequentialTrafficByWeight() throws IOException {
		TestHttpServer heavy = server("heavy");
		TestHttpServer light = server("light");
		ServiceBalancer service = new ServiceBalancer("inventory", new LeastConnectionsStrategy(),
				PassiveHealthPolicy.DEFAULT, RetryPolicy.NONE, FAILURES,
				List.of(new ServiceInstance("inventory", heavy.url(), 3), new ServiceInstance("inventory", light.url(), 1)));
		RestClient client = restClient(service);
		for (int i = 0; i < 200; i++) {
			client.get().uri("http://inventory/x").retrieve().body(String.class);
		}
		assertThat(light.hits()).as("requests to the weight-1 instance of 200 (expected about 50)").isBetween(25, 75);
	}

	// Envoy's max_ejection_percent "will eject at least one host regardless of the value"; here the cap is
	// floor(percent × instances), so an Envoy-style 10 % on fewer than 10 instances switches passive health off:
	// an instance answering nothing but 500 keeps getting its share forever.
	@Test
	void ejectionCapAlwaysAllowsOneEjectionAsEnvoyDoes() throws IOException {
		List<ServiceInstance> instances = new ArrayList<>();
		TestHttpServer failing = server("failing");
		failing.answer(500);
		instances.add(new ServiceInstance("inventory", failing.url(), 1));
		for (int i = 0; i < 4; i++) {
			instances.add(new ServiceInstance("inventory", server("ok-" + i).url(), 1));
		}
		PassiveHealthPolicy health = new PassiveHealthPolicy(3, Duration.ofSeconds(30), Duration.ofMinutes(5), 0.10,
				0.5, Duration.ZERO, 0.1);
		ServiceBalancer service = new ServiceBalancer("inventory", new RoundRobinStrategy(), health, RetryPolicy.NONE,
				FAILURES, instances);
		RestClient client = restClient(service);
		for (int i = 0; i < 100; i++) {
			client.get().uri("http://inventory/x").exchange((request, response) -> response.getStatusCode().value());
		}
		assertThat(service.health().ejectedCount()).as("ejected").isEqualTo(1);
		assertThat(failing.hits()).as("requests to the instance answering 500").isLessThan(10);
	}

	// Envoy's ejection multiplier drops by one for every interval an instance stays healthy, so an instance that
	// failed three times last week is ejected for the base time again. Here times-ejected only grows: after an
	// hour of successes the next ejection of a once-flaky instance lasts 4 × the base time, and after enough of them
	// every blip ejects it for max-ejection-time.
	@Test
	void ejectionMultiplierDecaysWhileTheInstanceStaysHealthy() throws IOException {
		TestHttpServer flaky = server("flaky");
		TestHttpServer steady = server("steady");
		AtomicLong clock = new AtomicLong(1);
		PassiveHealthPolicy health = new PassiveHealthPolicy(1, Duration.ofSeconds(10), Duration.ofMinutes(5), 0.5,
				0.5, Duration.ZERO, 0.1);
		ServiceBalancer service = new ServiceBalancer("inventory", new RoundRobinStrategy(), health, RetryPolicy.NONE,
				FAILURES, List.of(new ServiceInstance("inventory", flaky.url(), 1),
						new ServiceInstance("inventory", steady.url(), 1)),
				clock::get);
		RestClient client = restClient(service);
		for (int ejection = 1; ejection <= 3; ejection++) {
			flaky.answer(500);
			while (!service.endpoints().get(0).health().isEjected()) {
				client.get().uri("http://inventory/x").exchange((request, response) -> response.getStatusCode().value());
			}
			flaky.answer(200);
			clock.addAndGet(Duration.ofSeconds(10L * ejection + 1).toNanos());
			client.get().uri("http://inventory/x").retrieve().body(String.class);
			assertThat(service.endpoints().get(0).health().isEjected()).isFalse();
		}
		// An hour of good answers from the flaky instance.
		for (int i = 0; i < 60; i++) {
			clock.addAndGet(Duration.ofMinutes(1).toNanos());
			client.get().uri("http://inventory/x").retrieve().body(String.class);
			client.get().uri("http://inventory/x").retrieve().body(String.class);
		}
		flaky.answer(500);
		while (!service.endpoints().get(0).health().isEjected()) {
			client.get().uri("http://inventory/x").exchange((request, response) -> response.getStatusCode().value());
		}
		flaky.answer(200);
		clock.addAndGet(Duration.ofSeconds(11).toNanos());
		client.get().uri("http://inventory/x").retrieve().body(String.class);
		assertThat(service.endpoints().get(0).health().isEjected())
			.as("still ejected 11 s into an ejection after an hour healthy (base ejection time 10 s)").isFalse();
	}

	// The interceptor's contract: "when every attempt failed, the last attempt's failure is thrown". When the only
	// untried instance leaves during the back-off (a rolling deploy seen through discovery), the caller gets
	// "every instance was tried already" instead, and the I/O error of the attempt that was made is lost.
	@Test
	void membershipShrinkingDuringTheBackoffStillThrowsTheLastAttemptsFailure() throws Exception {
		TestHttpServer hangingUp = server("hanging-up");
		hangingUp.hangUp();
		TestHttpServer leaving = server("leaving");
		ServiceInstance first = new ServiceInstance("inventory", hangingUp.url(), 1);
		ServiceBalancer service = new ServiceBalancer("inventory", new RoundRobinStrategy(), PassiveHealthPolicy.DEFAULT,
				new RetryPolicy(1, Duration.ofMillis(500), Set.of(502, 503, 504), false), FAILURES,
				List.of(first, new ServiceInstance("inventory", leaving.url(), 1)));
		Thread discovery = new Thread(() -> {
			await().atMost(TIMEOUT).until(() -> hangingUp.hits() >= 1);
			service.update(List.of(first));
		});
		discovery.start();
		Throwable thrown = catchThrowable(() -> restClient(service).get().uri("http://inventory/x").retrieve()
			.body(String.class));
		discovery.join();
		assertThat(thrown).isInstanceOf(ResourceAccessException.class);
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
		WebClient client = WebClient.builder()
			.clientConnector(new JdkClientHttpConnector())
			.filter(new LoadBalancerExchangeFilter(new DefaultLoadBalancer(List.of(service)), null))
			.build();
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

	private static RestClient restClient(ServiceBalancer service) {
		return RestClient.builder()
			.requestFactory(new JdkClientHttpRequestFactory())
			.requestInterceptor(new LoadBalancerInterceptor(new DefaultLoadBalancer(List.of(service)), null))
			.build();
	}

}
