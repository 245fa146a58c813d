package io.distcore.loadbalancer.web;

import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.distcore.loadbalancer.DefaultLoadBalancer;
import io.distcore.loadbalancer.Endpoint;
import io.distcore.loadbalancer.LoadBalancingStrategy;
import io.distcore.loadbalancer.NoAvailableInstanceException;
import io.distcore.loadbalancer.RetryPolicy;
import io.distcore.loadbalancer.ServiceBalancer;
import io.distcore.loadbalancer.ServiceInstance;
import io.distcore.loadbalancer.health.PassiveHealthPolicy;
import io.distcore.loadbalancer.strategy.ConsistentHashStrategy;
import io.distcore.loadbalancer.strategy.LeastConnectionsStrategy;
import io.distcore.loadbalancer.strategy.RoundRobinStrategy;
import io.distcore.loadbalancer.strategy.SmoothWeightedRoundRobinStrategy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.http.HttpMethod;
import org.springframework.http.client.ClientHttpResponse;
import org.springframework.http.client.JdkClientHttpRequestFactory;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.web.client.HttpServerErrorException;
import org.springframework.web.client.ResourceAccessException;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * The interceptor over real HTTP servers on random ports.
 */
class LoadBalancerInterceptorTests {

	private static final Set<Integer> FAILURES = Set.of(500, 502, 503, 504);

	private final List<TestHttpServer> servers = new ArrayList<>();

	@AfterEach
	void stopServers() {
		this.servers.forEach(TestHttpServer::close);
	}

	@Test
	void instanceIsEjectedAfterKFailuresInARowAndReturnsAfterTheEjectionTime() throws IOException {
		TestHttpServer failing = server("a");
		TestHttpServer healthy = server("b");
		TestHttpServer other = server("c");
		PassiveHealthPolicy health = new PassiveHealthPolicy(3, Duration.ofMillis(800), Duration.ofSeconds(5), 0.5,
				0.5, Duration.ZERO, 0.1);
		ServiceBalancer service = new ServiceBalancer("inventory", new RoundRobinStrategy(), health, RetryPolicy.NONE,
				FAILURES, instances("inventory", failing, healthy, other));
		RestClient client = client(service);
		failing.answer(500);
		for (int i = 0; i < 9; i++) {
			call(client);
		}
		assertThat(failing.hits()).isEqualTo(3);
		assertThat(service.health().ejectedCount()).isEqualTo(1);
		for (int i = 0; i < 10; i++) {
			assertThat(call(client)).isNotEqualTo("a");
		}
		assertThat(failing.hits()).isEqualTo(3);
		failing.answer(200);
		await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100)).until(() -> {
			call(client);
			return failing.hits() > 3;
		});
		assertThat(service.health().ejectedCount()).isZero();
		assertThat(service.endpoints().get(0).health().timesEjected()).isEqualTo(1);
	}

	@Test
	void ejectionCapKeepsAtLeastHalfOfTheInstances() throws IOException {
		TestHttpServer a = server("a");
		TestHttpServer b = server("b");
		PassiveHealthPolicy health = new PassiveHealthPolicy(1, Duration.ofSeconds(30), Duration.ofMinutes(1), 0.5,
				0.5, Duration.ZERO, 0.1);
		ServiceBalancer service = new ServiceBalancer("inventory", new RoundRobinStrategy(), health, RetryPolicy.NONE,
				FAILURES, instances("inventory", a, b));
		RestClient client = client(service);
		a.answer(503);
		b.answer(503);
		for (int i = 0; i < 6; i++) {
			call(client);
		}
		assertThat(service.health().ejectedCount()).isEqualTo(1);
		assertThat(a.hits() + b.hits()).isEqualTo(6);
		assertThat(Math.min(a.hits(), b.hits())).isEqualTo(1);
	}

	@Test
	void retryLandsOnADifferentInstanceEveryTime() throws IOException {
		TestHttpServer a = server("a");
		TestHttpServer b = server("b");
		TestHttpServer c = server("c");
		a.answer(503);
		b.answer(503);
		RetryPolicy retry = new RetryPolicy(2, Duration.ofMillis(1), Set.of(503), false);
		PassiveHealthPolicy noEjection = new PassiveHealthPolicy(0, Duration.ofSeconds(1), Duration.ofSeconds(1), 0.5,
				0.5, Duration.ZERO, 0.1);
		ServiceBalancer service = new ServiceBalancer("inventory", new RoundRobinStrategy(), noEjection, retry,
				FAILURES, instances("inventory", a, b, c));
		RestClient client = client(service);
		for (int i = 0; i < 12; i++) {
			String id = "r" + i;
			assertThat(client.get().uri("http://inventory/items").header("X-Request-Id", id).retrieve().body(String.class))
				.isEqualTo("c");
			Set<String> servedBy = new HashSet<>();
			for (TestHttpServer server : List.of(a, b, c)) {
				long hits = server.requests().stream().filter((request) -> request.endsWith(" " + id)).count();
				assertThat(hits).as("attempts of %s on %s", id, server.name()).isLessThanOrEqualTo(1);
				if (hits == 1) {
					servedBy.add(server.name());
				}
			}
			assertThat(servedBy).contains("c");
		}
		assertThat(a.hits()).isPositive();
		assertThat(b.hits()).isPositive();
	}

	@Test
	void postIsRetriedOnlyWhenItCouldNotConnect() throws IOException {
		TestHttpServer live = server("live");
		ServiceBalancer service = new ServiceBalancer("inventory", new RoundRobinStrategy(),
				List.of(new ServiceInstance("inventory", TestHttpServer.deadUrl(), 1),
						new ServiceInstance("inventory", live.url(), 1)));
		RestClient client = client(service);
		for (int i = 0; i < 6; i++) {
			assertThat(client.post().uri("http://inventory/orders").body("{}").retrieve().body(String.class))
				.isEqualTo("live");
		}
		live.answer(503);
		TestHttpServer other = server("other");
		other.answer(503);
		ServiceBalancer twoLive = new ServiceBalancer("inventory", new RoundRobinStrategy(), instances("inventory", live, other));
		int before = live.hits() + other.hits();
		assertThatExceptionOfType(HttpServerErrorException.class)
			.isThrownBy(() -> client(twoLive).post().uri("http://inventory/orders").body("{}").retrieve().body(String.class));
		assertThat(live.hits() + other.hits()).as("a POST that reached an instance is not repeated").isEqualTo(before + 1);
	}

	@Test
	void everyInstanceDownIsTheLastConnectFailure() throws IOException {
		ServiceBalancer service = new ServiceBalancer("inventory", new RoundRobinStrategy(),
				List.of(new ServiceInstance("inventory", TestHttpServer.deadUrl(), 1),
						new ServiceInstance("inventory", TestHttpServer.deadUrl(), 1)));
		assertThatExceptionOfType(ResourceAccessException.class)
			.isThrownBy(() -> client(service).get().uri("http://inventory/items").retrieve().body(String.class));
	}

	@Test
	void serviceWithoutInstancesIsATypedException() {
		ServiceBalancer service = new ServiceBalancer("inventory", new RoundRobinStrategy(), List.of());
		assertThatExceptionOfType(NoAvailableInstanceException.class)
			.isThrownBy(() -> client(service).get().uri("http://inventory/items").retrieve().body(String.class))
			.satisfies((ex) -> assertThat(ex.getServiceId()).isEqualTo("inventory"));
	}

	@Test
	void otherHostsPassThrough() throws IOException {
		TestHttpServer direct = server("direct");
		ServiceBalancer service = new ServiceBalancer("inventory", new RoundRobinStrategy(), List.of());
		assertThat(client(service).get().uri(direct.url() + "/x").retrieve().body(String.class)).isEqualTo("direct");
	}

	@Test
	void inFlightCountCoversAStreamedBodyUntilTheResponseIsClosed() throws IOException {
		TestHttpServer slow = server("chunk");
		slow.streamSlowly(5, 100);
		ServiceBalancer service = new ServiceBalancer("inventory", new RoundRobinStrategy(), instances("inventory", slow));
		RestTemplate restTemplate = new RestTemplate(new JdkClientHttpRequestFactory());
		restTemplate.getInterceptors().add(new LoadBalancerInterceptor(new DefaultLoadBalancer(List.of(service)), null));
		String body = restTemplate.execute("http://inventory/stream", HttpMethod.GET, null,
				(response) -> {
					InputStream stream = response.getBody();
					byte[] first = stream.readNBytes(5);
					assertThat(service.endpoints().get(0).inFlight()).isEqualTo(1);
					return new String(first) + new String(stream.readAllBytes());
				});
		assertThat(body).isEqualTo("chunk".repeat(5));
		assertThat(service.endpoints().get(0).inFlight()).isZero();
	}

	@Test
	void statusThatCannotBeReadEndsTheExchangeAsAFailureAndClosesTheResponse() throws IOException {
		TestHttpServer hangingUp = server("a");
		hangingUp.hangUp();
		ServiceBalancer service = new ServiceBalancer("inventory", new RoundRobinStrategy(),
				instances("inventory", hangingUp));
		AtomicInteger closed = new AtomicInteger();
		// The URL connection reads the status of a request with a body only when asked for it.
		RestClient client = RestClient.builder()
			.requestFactory(new SimpleClientHttpRequestFactory())
			.requestInterceptor(new LoadBalancerInterceptor(new DefaultLoadBalancer(List.of(service)), null))
			.requestInterceptor((request, body, execution) -> countingCloses(execution.execute(request, body), closed))
			.build();
		assertThatExceptionOfType(ResourceAccessException.class)
			.isThrownBy(() -> client.post().uri("http://inventory/orders").body("{}").retrieve().toBodilessEntity());
		Endpoint endpoint = service.endpoints().get(0);
		assertThat(endpoint.inFlight()).isZero();
		assertThat(endpoint.health().consecutiveFailures()).isEqualTo(1);
		assertThat(closed).hasValue(1);
		assertThat(hangingUp.hits()).isEqualTo(1);
	}

	@Test
	void sixteenThreadsKeepExactSmoothWeightedProportions() throws Exception {
		TestHttpServer a = server("a");
		TestHttpServer b = server("b");
		TestHttpServer c = server("c");
		List<ServiceInstance> instances = List.of(new ServiceInstance("inventory", a.url(), 5),
				new ServiceInstance("inventory", b.url(), 1), new ServiceInstance("inventory", c.url(), 1));
		LoadBalancingStrategy strategy = new SmoothWeightedRoundRobinStrategy();
		ServiceBalancer service = new ServiceBalancer("inventory", strategy, instances);
		RestClient client = client(service);
		ExecutorService threads = Executors.newFixedThreadPool(16);
		try {
			List<Future<?>> futures = new ArrayList<>();
			for (int t = 0; t < 16; t++) {
				futures.add(threads.submit(() -> {
					for (int i = 0; i < 28; i++) {
						call(client);
					}
				}));
			}
			for (Future<?> future : futures) {
				future.get(60, TimeUnit.SECONDS);
			}
		}
		finally {
			threads.shutdownNow();
		}
		// 16 × 28 = 448 picks = 64 whole cycles of 7.
		assertThat(a.hits()).isEqualTo(320);
		assertThat(b.hits()).isEqualTo(64);
		assertThat(c.hits()).isEqualTo(64);
	}

	@Test
	void requestsWithTheSameHashKeyGoToTheSameInstance() throws IOException {
		ServiceBalancer service = new ServiceBalancer("inventory", new ConsistentHashStrategy(),
				instances("inventory", server("a"), server("b"), server("c")));
		RestClient client = RestClient.builder()
			.requestFactory(new JdkClientHttpRequestFactory())
			.requestInterceptor(new LoadBalancerInterceptor(new DefaultLoadBalancer(List.of(service)), "X-Hash-Key"))
			.build();
		Set<String> owners = new HashSet<>();
		for (int user = 0; user < 30; user++) {
			String key = "user-" + user;
			String owner = client.get().uri("http://inventory/cart").header("X-Hash-Key", key).retrieve().body(String.class);
			owners.add(owner);
			for (int i = 0; i < 3; i++) {
				assertThat(client.get().uri("http://inventory/cart").header("X-Hash-Key", key).retrieve().body(String.class))
					.isEqualTo(owner);
				assertThat(client.get().uri("http://inventory/cart").attribute(HashKeys.ATTRIBUTE, key).retrieve()
					.body(String.class)).isEqualTo(owner);
			}
		}
		assertThat(owners).containsExactlyInAnyOrder("a", "b", "c");
	}

	// Spring Framework 7's RestClient leaves the response open when the body is an InputStream: closing the stream
	// is the only end the exchange gets.
	@Test
	void restClientInputStreamBodyClosedByTheCallerEndsTheInFlightCount() throws IOException {
		TestHttpServer server = server("streamed");
		server.streamSlowly(3, 10);
		ServiceBalancer service = new ServiceBalancer("inventory", new LeastConnectionsStrategy(),
				PassiveHealthPolicy.DEFAULT, RetryPolicy.NONE, FAILURES, instances("inventory", server));
		RestClient client = client(service);
		for (int i = 0; i < 5; i++) {
			try (InputStream body = client.get().uri("http://inventory/stream").retrieve().body(InputStream.class)) {
				assertThat(new String(body.readAllBytes())).isEqualTo("streamed".repeat(3));
			}
		}
		Endpoint endpoint = service.endpoints().get(0);
		await().atMost(Duration.ofSeconds(10))
			.untilAsserted(() -> assertThat(endpoint.inFlight()).as("in flight").isZero());
	}

	// The instance left to try leaves during the back-off (a rolling deploy seen through discovery): the caller
	// still gets the I/O error of the attempt that was made, with the reason nothing else was tried attached.
	@Test
	void membershipShrinkingDuringTheBackoffStillThrowsTheLastAttemptsFailure() throws Exception {
		TestHttpServer hangingUp = server("hanging-up");
		hangingUp.hangUp();
		TestHttpServer leaving = server("leaving");
		LeavingDuringBackoff membership = new LeavingDuringBackoff(hangingUp, leaving, FAILURES);
		RestClient client = client(membership.service());
		Throwable thrown = catchThrowable(() -> client.get().uri("http://inventory/x").retrieve()
			.body(String.class));
		membership.awaitLeft();
		assertThat(thrown).isInstanceOf(ResourceAccessException.class);
		assertThat(thrown.getCause()).isInstanceOf(IOException.class);
		assertThat(thrown.getCause().getSuppressed()).singleElement().isInstanceOf(NoAvailableInstanceException.class);
		assertThat(leaving.hits()).isZero();
	}

	// The response as the balancer sees it, counting its closes.
	private static ClientHttpResponse countingCloses(ClientHttpResponse response, AtomicInteger closed) {
		return (ClientHttpResponse) Proxy.newProxyInstance(ClientHttpResponse.class.getClassLoader(),
				new Class<?>[] { ClientHttpResponse.class }, (proxy, method, args) -> {
					if (method.getName().equals("close")) {
						closed.incrementAndGet();
					}
					try {
						return method.invoke(response, args);
					}
					catch (InvocationTargetException ex) {
						throw ex.getCause();
					}
				});
	}

	private TestHttpServer server(String name) throws IOException {
		TestHttpServer server = new TestHttpServer(name);
		this.servers.add(server);
		return server;
	}

	private static List<ServiceInstance> instances(String serviceId, TestHttpServer... servers) {
		List<ServiceInstance> instances = new ArrayList<>();
		for (TestHttpServer server : servers) {
			instances.add(new ServiceInstance(serviceId, server.url(), 1));
		}
		return instances;
	}

	private static RestClient client(ServiceBalancer service) {
		return RestClient.builder()
			.requestFactory(new JdkClientHttpRequestFactory())
			.requestInterceptor(new LoadBalancerInterceptor(new DefaultLoadBalancer(List.of(service)), null))
			.build();
	}

	private static String call(RestClient client) {
		return client.get()
			.uri("http://inventory/items")
			.exchange((request, response) -> new String(response.getBody().readAllBytes()));
	}

}
