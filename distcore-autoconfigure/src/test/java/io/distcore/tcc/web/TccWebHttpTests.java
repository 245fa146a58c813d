package io.distcore.tcc.web;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.distcore.loadbalancer.web.LoadBalancerInterceptor;
import io.distcore.tcc.BranchTransport;
import io.distcore.tcc.Phase;
import io.distcore.tcc.TccBinding;
import io.distcore.tcc.web.TccTestApps.AsyncCaller;
import io.distcore.tcc.web.TccTestApps.InventoryController;
import io.distcore.tcc.web.TccTestApps.RecordingParticipant;
import io.distcore.tcc.web.TccTestApps.RecordingTransaction;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.boot.restclient.autoconfigure.RestClientBuilderConfigurer;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatException;

/**
 * TCC over real HTTP between separate contexts: an initiator and two instances of a participant behind the distcore
 * load balancer ({@code http://inventory}). The coordinator and the participant's barrier are stand-ins that record
 * what they are asked ({@link RecordingTransaction}, {@link RecordingParticipant}).
 */
@ExtendWith(OutputCaptureExtension.class)
class TccWebHttpTests {

	private static final String SECRET = TccTestApps.newSecret();

	private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

	private static ConfigurableApplicationContext first;

	private static ConfigurableApplicationContext second;

	private static ConfigurableApplicationContext initiator;

	private static String firstUrl;

	private final TccSigner signer = TccSigner.of(SECRET, Duration.ofMinutes(5), Clock.systemUTC());

	@BeforeAll
	static void start() {
		first = TccTestApps.startParticipant("inventory", SECRET);
		second = TccTestApps.startParticipant("inventory", SECRET);
		firstUrl = "http://127.0.0.1:" + TccTestApps.port(first);
		initiator = TccTestApps.startInitiator(SECRET, "distcore.loadbalancer.services.inventory.urls=" + firstUrl
				+ ",http://127.0.0.1:" + TccTestApps.port(second), "distcore.tcc.participant.read-timeout=5s",
				"distcore.loadbalancer.services.inventory-partly-down.urls=http://127.0.0.1:" + closedPort() + ","
						+ firstUrl);
	}

	@AfterAll
	static void stop() {
		for (ConfigurableApplicationContext context : new ConfigurableApplicationContext[] { initiator, second, first }) {
			if (context != null) {
				context.close();
			}
		}
	}

	@BeforeEach
	void clear() {
		for (ConfigurableApplicationContext context : List.of(first, second)) {
			context.getBean(InventoryController.class).seen.clear();
			context.getBean(RecordingParticipant.class).completed.clear();
			context.getBean(RecordingParticipant.class).failures.set(0);
		}
	}

	@Test
	void loadBalancedRestClientEnlistsTheServiceNameAndEachInstanceRunsAsItsBranch() {
		RestClient client = initiator.getBean("loadBalancedRestClientBuilder", RestClient.Builder.class).build();
		RecordingTransaction transaction = new RecordingTransaction();
		try (TccBinding.Scope scope = TccBinding.bind(transaction)) {
			assertThat(client.post().uri("http://inventory/reserve").retrieve().body(String.class)).isEqualTo("reserved");
			assertThat(client.post().uri("http://inventory/reserve").retrieve().body(String.class)).isEqualTo("reserved");
		}
		// Recorded before the balancer rewrote the URI: phase two can then reach any instance.
		assertThat(transaction.enlisted).containsExactly("http http://inventory", "http http://inventory");
		assertThat(seen()).containsExactlyInAnyOrder(transaction.xid + "/1", transaction.xid + "/2");
		assertThat(seen(first)).hasSize(1);
		assertThat(seen(second)).hasSize(1);
	}

	@Test
	void loadBalancedClientsBuiltWithoutBootsCustomizersAreEnlistedToo() {
		RestClient client = initiator.getBean("plainLoadBalancedRestClientBuilder", RestClient.Builder.class).build();
		RestTemplate restTemplate = initiator.getBean("plainLoadBalancedRestTemplate", RestTemplate.class);
		WebClient webClient = initiator.getBean("plainLoadBalancedWebClientBuilder", WebClient.Builder.class).build();
		RecordingTransaction transaction = new RecordingTransaction();
		try (TccBinding.Scope scope = TccBinding.bind(transaction)) {
			client.post().uri("http://inventory/reserve").retrieve().toBodilessEntity();
			restTemplate.postForObject("http://inventory/reserve", null, String.class);
			webClient.post().uri("http://inventory/reserve").retrieve().toBodilessEntity().block();
		}
		assertThat(transaction.enlisted).containsOnly("http http://inventory").hasSize(3);
		assertThat(seen()).containsExactlyInAnyOrder(transaction.xid + "/1", transaction.xid + "/2",
				transaction.xid + "/3");
	}

	@Test
	void concurrentCallsOfOneTransactionEachCarryTheirOwnBranch() throws Exception {
		RestClient client = initiator.getBean("loadBalancedRestClientBuilder", RestClient.Builder.class).build();
		List<ClientHttpRequestInterceptor> interceptors = new ArrayList<>();
		initiator.getBean("loadBalancedRestClientBuilder", RestClient.Builder.class)
			.requestInterceptors(interceptors::addAll);
		// Customizer and post-processor both saw this builder; the interceptor is there once, and first.
		assertThat(interceptors).filteredOn(TccClientInterceptor.class::isInstance).hasSize(1);
		assertThat(interceptors.get(0)).isInstanceOf(TccClientInterceptor.class);
		ExecutorService pool = Executors.newFixedThreadPool(8);
		try {
			java.util.concurrent.Executor wrapped = TccTaskDecorator.wrap(pool);
			RecordingTransaction transaction = new RecordingTransaction();
			List<java.util.concurrent.CompletableFuture<Void>> calls = new ArrayList<>();
			try (TccBinding.Scope scope = TccBinding.bind(transaction)) {
				for (int i = 0; i < 40; i++) {
					calls.add(java.util.concurrent.CompletableFuture.runAsync(
							() -> client.post().uri("http://inventory/reserve").retrieve().toBodilessEntity(), wrapped));
				}
				java.util.concurrent.CompletableFuture.allOf(calls.toArray(java.util.concurrent.CompletableFuture[]::new))
					.get(60, TimeUnit.SECONDS);
			}
			List<String> expected = new ArrayList<>();
			for (int i = 1; i <= 40; i++) {
				expected.add(transaction.xid + "/" + i);
			}
			assertThat(seen()).containsExactlyInAnyOrderElementsOf(expected);
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void anInterceptorAfterTheBalancerWouldSeeTheInstanceNotTheService() {
		// The oracle of the test above tells the two orders apart.
		RestClient wrongOrder = RestClient.builder()
			.requestInterceptor(initiator.getBean(LoadBalancerInterceptor.class))
			.requestInterceptor(initiator.getBean(TccClientInterceptor.class))
			.build();
		RecordingTransaction transaction = new RecordingTransaction();
		try (TccBinding.Scope scope = TccBinding.bind(transaction)) {
			wrongOrder.post().uri("http://inventory/reserve").retrieve().toBodilessEntity();
		}
		assertThat(transaction.enlisted).singleElement().asString().startsWith("http http://127.0.0.1:");
	}

	@Test
	void loadBalancedRestTemplateAndWebClientAreEnlistedToo() {
		RestTemplate restTemplate = initiator.getBean("loadBalancedRestTemplate", RestTemplate.class);
		WebClient webClient = initiator.getBean("loadBalancedWebClientBuilder", WebClient.Builder.class).build();
		RecordingTransaction transaction = new RecordingTransaction();
		try (TccBinding.Scope scope = TccBinding.bind(transaction)) {
			assertThat(restTemplate.postForObject("http://inventory/reserve", null, String.class)).isEqualTo("reserved");
			assertThat(webClient.post().uri("http://inventory/reserve").retrieve().bodyToMono(String.class).block())
				.isEqualTo("reserved");
		}
		assertThat(transaction.enlisted).containsExactly("http http://inventory", "http http://inventory");
		assertThat(seen()).containsExactlyInAnyOrder(transaction.xid + "/1", transaction.xid + "/2");
	}

	@Test
	void bootBuiltClientsToAPlainAddressEnlistThatAddressWithoutUserInfo() {
		RestClient client = initiator.getBean(RestClientBuilderConfigurer.class).configure(RestClient.builder()).build();
		RestTemplate restTemplate = initiator.getBean(RestTemplateBuilder.class).build();
		WebClient.Builder webClientBuilder = WebClient.builder();
		initiator.getBeanProvider(WebClientCustomizer.class).orderedStream().forEach((c) -> c.customize(webClientBuilder));
		WebClient webClient = webClientBuilder.build();
		RecordingTransaction transaction = new RecordingTransaction();
		String withUserInfo = firstUrl.replace("http://", "http://user:password@");
		try (TccBinding.Scope scope = TccBinding.bind(transaction)) {
			client.post().uri(withUserInfo + "/reserve").retrieve().toBodilessEntity();
			restTemplate.postForObject(firstUrl + "/reserve", null, String.class);
			webClient.post().uri(firstUrl + "/reserve").retrieve().toBodilessEntity().block();
		}
		assertThat(transaction.enlisted).containsOnly("http " + firstUrl).hasSize(3);
		assertThat(seen(first)).containsExactly(transaction.xid + "/1", transaction.xid + "/2", transaction.xid + "/3");
	}

	@Test
	void callsOutsideATransactionCarryNoHeaders() {
		RestClient client = initiator.getBean("loadBalancedRestClientBuilder", RestClient.Builder.class).build();
		client.post().uri("http://inventory/reserve").retrieve().toBodilessEntity();
		initiator.getBean("loadBalancedWebClientBuilder", WebClient.Builder.class)
			.build()
			.post()
			.uri(firstUrl + "/reserve")
			.retrieve()
			.toBodilessEntity()
			.block();
		assertThat(seen()).containsExactly(TccTestApps.NO_BRANCH, TccTestApps.NO_BRANCH);
	}

	@Test
	void enlistFailureMeansTheRequestIsNotSent() {
		RestClient client = initiator.getBean("loadBalancedRestClientBuilder", RestClient.Builder.class).build();
		TccBinding.ActiveTransaction refusing = new TccBinding.ActiveTransaction() {

			@Override
			public String xid() {
				return "xid-refusing";
			}

			@Override
			public String enlist(String transport, String address) {
				throw new io.distcore.tcc.TccException("transaction no longer trying");
			}

		};
		try (TccBinding.Scope scope = TccBinding.bind(refusing)) {
			assertThatException().isThrownBy(() -> client.post().uri(firstUrl + "/reserve").retrieve().toBodilessEntity())
				.withMessageContaining("transaction no longer trying");
		}
		assertThat(seen()).isEmpty();
	}

	@Test
	void businessCallsWithBadHeadersGetRejectedAndDoNotRun() throws Exception {
		String reserve = firstUrl + "/reserve";
		TccSigner.Signed good = sign(this.signer, "xid-attack", "1", Phase.TRY, reserve);
		TccSigner otherSecret = TccSigner.of(TccTestApps.newSecret(), Duration.ofMinutes(5), Clock.systemUTC());
		TccSigner past = TccSigner.of(SECRET, Duration.ofMinutes(5), Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-6)));
		TccSigner future = TccSigner.of(SECRET, Duration.ofMinutes(5), Clock.offset(Clock.systemUTC(), Duration.ofMinutes(6)));
		List<Map<String, String>> attacks = new ArrayList<>();
		attacks.add(Map.of(TccHeaders.XID, "xid-attack"));
		attacks.add(Map.of(TccHeaders.XID, "xid-attack", TccHeaders.BRANCH, "1"));
		attacks.add(headers(new TccSigner.Signed("xid-attack", "1", good.timestamp(), "AAAA", good.bodyDigest())));
		attacks.add(headers(new TccSigner.Signed("xid-forged", "1", good.timestamp(), good.signature(), good.bodyDigest())));
		attacks.add(headers(new TccSigner.Signed("xid-attack", "2", good.timestamp(), good.signature(), good.bodyDigest())));
		attacks.add(signed(otherSecret, "xid-attack", "1", Phase.TRY, reserve));
		attacks.add(signed(past, "xid-attack", "1", Phase.TRY, reserve));
		attacks.add(signed(future, "xid-attack", "1", Phase.TRY, reserve));
		attacks.add(signed(this.signer, "xid-attack", "1", Phase.CONFIRM, reserve));
		attacks.add(Map.of(TccHeaders.SIGNATURE, good.signature()));
		for (Map<String, String> attack : attacks) {
			HttpResponse<String> response = post(firstUrl + "/reserve", attack);
			assertThat(response.statusCode()).as("%s", attack).isEqualTo(401);
			assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
					(type) -> assertThat(type).startsWith("application/problem+json"));
		}
		HttpResponse<String> malformed = post(firstUrl + "/reserve",
				headers(new TccSigner.Signed("xid with spaces", "1", good.timestamp(), good.signature(), good.bodyDigest())));
		assertThat(malformed.statusCode()).isEqualTo(400);
		assertThat(seen()).isEmpty();
		HttpResponse<String> valid = post(firstUrl + "/reserve", headers(good));
		assertThat(valid.statusCode()).isEqualTo(200);
		assertThat(seen()).containsExactly("xid-attack/1");
	}

	/**
	 * Headers captured from a real try (a proxy's log, a participant forwarding them) replayed within the skew
	 * window: on another path, with another method, query or body, they authorize nothing. The very same request
	 * still verifies (the barrier is what runs it at most once), which shows the refusals come from the change.
	 */
	@Test
	void capturedTryHeadersReplayedOnAnotherPathMethodQueryOrBodyAreRefusedAndRunNothing() throws Exception {
		Map<String, String> captured = new java.util.concurrent.ConcurrentHashMap<>();
		RestClient client = initiator.getBean("loadBalancedRestClientBuilder", RestClient.Builder.class)
			.clone()
			.requestInterceptor((request, body, execution) -> {
				request.getHeaders().forEach((name, values) -> {
					if (name.toLowerCase(java.util.Locale.ROOT).startsWith("distcore-tcc-")) {
						captured.put(name, values.get(0));
					}
				});
				return execution.execute(request, body);
			})
			.build();
		RecordingTransaction transaction = new RecordingTransaction();
		try (TccBinding.Scope scope = TccBinding.bind(transaction)) {
			assertThat(client.post()
				.uri("http://inventory/reserve/A1?quantity=1")
				.contentType(org.springframework.http.MediaType.TEXT_PLAIN)
				.body("one unit")
				.retrieve()
				.body(String.class)).isEqualTo("POST A1 x1 body=one unit");
		}
		assertThat(captured.keySet()).containsExactlyInAnyOrder(TccHeaders.XID, TccHeaders.BRANCH,
				TccHeaders.TIMESTAMP, TccHeaders.SIGNATURE, TccHeaders.BODY_DIGEST);
		clear();
		for (String[] replay : new String[][] { { "POST", "/reserve/B2?quantity=1", "one unit" },
				{ "POST", "/reserve/A1?quantity=1000", "one unit" }, { "POST", "/reserve/A1", "one unit" },
				{ "PUT", "/reserve/A1?quantity=1", "one unit" }, { "POST", "/reserve/A1?quantity=1", "1000 units" },
				{ "POST", "/reserve/A1?quantity=1", "" }, { "POST", "/reserve", "one unit" } }) {
			for (String instance : List.of(firstUrl, "http://127.0.0.1:" + TccTestApps.port(second))) {
				HttpResponse<String> response = send(replay[0], instance + replay[1], replay[2], captured);
				assertThat(response.statusCode()).as("%s %s %s", (Object[]) replay).isEqualTo(401);
				assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
						(type) -> assertThat(type).startsWith("application/problem+json"));
			}
		}
		assertThat(seen()).isEmpty();
		HttpResponse<String> same = send("POST", firstUrl + "/reserve/A1?quantity=1", "one unit", captured);
		assertThat(same.statusCode()).isEqualTo(200);
		assertThat(seen()).containsExactly(transaction.xid + "/1 POST A1 x1 body=one unit");
	}

	@Test
	void capturedPhaseTwoHeadersDoNotAuthorizeTheOtherPhaseOrABody() throws Exception {
		String confirm = firstUrl + "/distcore/tcc/confirm";
		Map<String, String> captured = signed(this.signer, "xid-c2", "1", Phase.CONFIRM, confirm);
		assertThat(send("POST", confirm, "extra", captured).statusCode()).isEqualTo(401);
		assertThat(send("POST", firstUrl + "/distcore/tcc/cancel", "", captured).statusCode()).isEqualTo(401);
		assertThat(send("POST", firstUrl + "/reserve", "", captured).statusCode()).isEqualTo(401);
		assertThat(first.getBean(RecordingParticipant.class).completed).isEmpty();
		assertThat(seen()).isEmpty();
		assertThat(send("POST", confirm, "", captured).statusCode()).isEqualTo(200);
		assertThat(first.getBean(RecordingParticipant.class).completed).containsExactly("xid-c2/1/CONFIRM");
	}

	@Test
	void signedCallsWithBodiesAndQueriesReachTheApplicationUnchangedFromEveryClient() {
		RestClient client = initiator.getBean("loadBalancedRestClientBuilder", RestClient.Builder.class).build();
		RestTemplate restTemplate = initiator.getBean("loadBalancedRestTemplate", RestTemplate.class);
		WebClient webClient = initiator.getBean("loadBalancedWebClientBuilder", WebClient.Builder.class).build();
		WebClient plainWebClient = initiator.getBean("plainLoadBalancedWebClientBuilder", WebClient.Builder.class)
			.build();
		// Not ASCII: the digest is over the bytes each client sends (UTF-8 for JSON).
		String json = "{\"quantity\":2,\"note\":\"caf\u00e9\"}";
		org.springframework.http.HttpHeaders jsonHeaders = new org.springframework.http.HttpHeaders();
		jsonHeaders.setContentType(org.springframework.http.MediaType.APPLICATION_JSON);
		org.springframework.util.LinkedMultiValueMap<String, String> form = new org.springframework.util.LinkedMultiValueMap<>();
		form.add("quantity", "3");
		form.add("note", "caf\u00e9 & more");
		RecordingTransaction transaction = new RecordingTransaction();
		List<String> answers = new ArrayList<>();
		try (TccBinding.Scope scope = TccBinding.bind(transaction)) {
			answers.add(client.post()
				.uri("http://inventory/reserve/{sku}?quantity=2", "A 1")
				.contentType(org.springframework.http.MediaType.APPLICATION_JSON)
				.body(json)
				.retrieve()
				.body(String.class));
			answers.add(restTemplate.exchange("http://inventory/reserve/B2?quantity=2",
					org.springframework.http.HttpMethod.PUT, new org.springframework.http.HttpEntity<>(json, jsonHeaders), String.class)
				.getBody());
			answers.add(webClient.post()
				.uri("http://inventory/reserve/C3?quantity=2")
				.contentType(org.springframework.http.MediaType.APPLICATION_JSON)
				.bodyValue(json)
				.retrieve()
				.bodyToMono(String.class)
				.block());
			answers.add(plainWebClient.post()
				.uri("http://inventory/reserve/D4?quantity=2")
				.bodyValue(json)
				.retrieve()
				.bodyToMono(String.class)
				.block());
			answers.add(webClient.post().uri("http://inventory/reserve/E5").retrieve().bodyToMono(String.class).block());
			answers.add(client.post().uri("http://inventory/reserve-form/F6").body(form).retrieve().body(String.class));
			answers.add(webClient.post()
				.uri("http://inventory/reserve-form/G7")
				.body(org.springframework.web.reactive.function.BodyInserters.fromFormData(form))
				.retrieve()
				.bodyToMono(String.class)
				.block());
		}
		// The path was sent encoded (/reserve/A%201) and signed as sent.
		assertThat(answers).containsExactly("POST A 1 x2 body=" + json, "PUT B2 x2 body=" + json,
				"POST C3 x2 body=" + json, "POST D4 x2 body=" + json, "POST E5 x1 body=null",
				"FORM F6 x3 note=caf\u00e9 & more", "FORM G7 x3 note=caf\u00e9 & more");
		assertThat(transaction.enlisted).containsOnly("http http://inventory").hasSize(7);
		// Each ran as its branch: signed headers that verified, not a call let through without them.
		assertThat(seen()).hasSize(7).allSatisfy((entry) -> assertThat(entry).startsWith(transaction.xid + "/"));
	}

	/**
	 * A balancer instance with a path prefix ({@code http://host:port/inv}) reaches a participant whose context path
	 * that is: the initiator signed the path it wrote, the participant accepts it as the path within its context.
	 */
	@Test
	void anInstancePrefixThatIsTheParticipantsContextPathStillVerifies() throws Exception {
		try (ConfigurableApplicationContext prefixed = TccTestApps.startParticipant("prefixed", SECRET,
				"server.servlet.context-path=/inv");
				ConfigurableApplicationContext caller = TccTestApps.startInitiator(SECRET,
						"distcore.loadbalancer.services.prefixed.urls=http://127.0.0.1:" + TccTestApps.port(prefixed)
								+ "/inv")) {
			RestClient client = caller.getBean("loadBalancedRestClientBuilder", RestClient.Builder.class).build();
			RecordingTransaction transaction = new RecordingTransaction();
			try (TccBinding.Scope scope = TccBinding.bind(transaction)) {
				assertThat(client.post().uri("http://prefixed/reserve/A1?quantity=2").body("two").retrieve().body(String.class))
					.isEqualTo("POST A1 x2 body=two");
			}
			caller.getBean(HttpBranchTransport.class).deliver(transaction.xid, "1", "http://prefixed", Phase.CONFIRM);
			assertThat(prefixed.getBean(InventoryController.class).seen)
				.containsExactly(transaction.xid + "/1 POST A1 x2 body=two");
			assertThat(prefixed.getBean(RecordingParticipant.class).completed)
				.containsExactly(transaction.xid + "/1/CONFIRM");
		}
	}

	@Test
	void aBodyOverTheLimitIsRefusedOnBothSides() throws Exception {
		byte[] large = new byte[1024 * 1024 + 1];
		java.util.Arrays.fill(large, (byte) 'x');
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(firstUrl + "/reserve/A1"))
			.timeout(Duration.ofSeconds(30))
			.POST(HttpRequest.BodyPublishers.ofByteArray(large));
		signed(this.signer, "xid-big", "1", Phase.TRY, firstUrl + "/reserve/A1").forEach(request::header);
		HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
		assertThat(response.statusCode()).isEqualTo(413);
		assertThat(response.body()).contains("distcore.tcc.security.max-body-size");
		assertThat(seen()).isEmpty();
		WebClient webClient = initiator.getBean("loadBalancedWebClientBuilder", WebClient.Builder.class).build();
		RecordingTransaction transaction = new RecordingTransaction();
		try (TccBinding.Scope scope = TccBinding.bind(transaction)) {
			assertThatException()
				.isThrownBy(() -> webClient.post()
					.uri("http://inventory/reserve/A1")
					.bodyValue(new String(large, java.nio.charset.StandardCharsets.US_ASCII))
					.retrieve()
					.toBodilessEntity()
					.block())
				.withStackTraceContaining("distcore.tcc.security.max-body-size");
		}
		assertThat(seen()).isEmpty();
	}

	@Test
	void aRepeatedTryAnswers410ProblemJsonNotARefusal() throws Exception {
		HttpResponse<String> response = post(firstUrl + "/repeated",
				signed(this.signer, "xid-d", "4", Phase.TRY, firstUrl + "/repeated"));
		assertThat(response.statusCode()).isEqualTo(410);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(response.body()).contains("\"status\":410")
			.contains("TCC try already ran")
			.contains("\"branch\":\"4\"")
			.doesNotContain("refused");
		HttpResponse<String> outsideMvc = post(firstUrl + "/repeated-in-filter",
				signed(this.signer, "xid-e", "5", Phase.TRY, firstUrl + "/repeated-in-filter"));
		assertThat(outsideMvc.statusCode()).isEqualTo(410);
		assertThat(outsideMvc.body()).contains("\"status\":410").contains("TCC try already ran").contains("xid-e");
	}

	@Test
	void aBranchDoesNotOutliveItsRequestOnAReusedServerThread() throws Exception {
		try (ConfigurableApplicationContext single = TccTestApps.startParticipant("single-thread", SECRET,
				"server.tomcat.threads.max=1", "server.tomcat.threads.min-spare=1")) {
			String url = "http://127.0.0.1:" + TccTestApps.port(single);
			assertThat(post(url + "/reserve", signed(this.signer, "xid-a", "1", Phase.TRY, url + "/reserve")).statusCode())
				.isEqualTo(200);
			assertThat(post(url + "/reserve", Map.of()).statusCode()).isEqualTo(200);
			assertThat(post(url + "/refuse", signed(this.signer, "xid-b", "1", Phase.TRY, url + "/refuse")).statusCode())
				.isEqualTo(409);
			assertThat(post(url + "/refused-in-filter", signed(this.signer, "xid-c", "1", Phase.TRY, url + "/refused-in-filter")).statusCode())
				.isEqualTo(409);
			assertThat(post(url + "/reserve", Map.of()).statusCode()).isEqualTo(200);
			assertThat(single.getBean(InventoryController.class).seen).containsExactly("xid-a/1", TccTestApps.NO_BRANCH,
					TccTestApps.NO_BRANCH);
		}
	}

	@Test
	void refusedTryAnswers409ProblemJson() throws Exception {
		HttpResponse<String> response = post(firstUrl + "/refuse", signed(this.signer, "xid-r", "7", Phase.TRY, firstUrl + "/refuse"));
		assertThat(response.statusCode()).isEqualTo(409);
		assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/problem+json"));
		// Spring MVC's answer, from the advice: it names the branch.
		assertThat(response.body()).contains("\"status\":409").contains("\"xid\":\"xid-r\"").contains("\"branch\":\"7\"");
		HttpResponse<String> outsideMvc = post(firstUrl + "/refused-in-filter",
				signed(this.signer, "xid-f", "8", Phase.TRY, firstUrl + "/refused-in-filter"));
		assertThat(outsideMvc.statusCode()).isEqualTo(409);
		assertThat(outsideMvc.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(outsideMvc.body()).contains("\"status\":409").contains("xid-f");
	}

	@Test
	void phaseTwoEndpointRunsTheParticipantOnlyForValidSignatures() throws Exception {
		RecordingParticipant participant = first.getBean(RecordingParticipant.class);
		String confirm = firstUrl + "/distcore/tcc/confirm";
		String cancel = firstUrl + "/distcore/tcc/cancel";
		assertThat(post(confirm, Map.of()).statusCode()).isEqualTo(401);
		assertThat(post(confirm, signed(this.signer, "xid-p", "1", Phase.TRY, confirm)).statusCode()).isEqualTo(401);
		assertThat(post(confirm, signed(this.signer, "xid-p", "1", Phase.CANCEL, confirm)).statusCode()).isEqualTo(401);
		assertThat(post(cancel, signed(this.signer, "xid-p", "1", Phase.CONFIRM, cancel)).statusCode()).isEqualTo(401);
		TccSigner past = TccSigner.of(SECRET, Duration.ofMinutes(5), Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-6)));
		assertThat(post(confirm, signed(past, "xid-p", "1", Phase.CONFIRM, confirm)).statusCode()).isEqualTo(401);
		HttpResponse<String> get = http.send(HttpRequest.newBuilder(URI.create(confirm)).GET().build(),
				HttpResponse.BodyHandlers.ofString());
		assertThat(get.statusCode()).isEqualTo(405);
		assertThat(participant.completed).isEmpty();

		assertThat(post(confirm, signed(this.signer, "xid-p", "1", Phase.CONFIRM, confirm)).statusCode()).isEqualTo(200);
		assertThat(post(cancel, signed(this.signer, "xid-p", "2", Phase.CANCEL, cancel)).statusCode()).isEqualTo(200);
		assertThat(participant.completed).containsExactly("xid-p/1/CONFIRM", "xid-p/2/CANCEL");

		participant.failures.set(1);
		HttpResponse<String> failed = post(confirm, signed(this.signer, "xid-p", "3", Phase.CONFIRM, confirm));
		assertThat(failed.statusCode()).isEqualTo(500);
		assertThat(failed.body()).contains("confirm failed on purpose");
		assertThat(failed.headers().firstValue("Content-Type")).hasValueSatisfying(
				(type) -> assertThat(type).startsWith("application/problem+json"));
		assertThat(participant.completed).hasSize(2);
	}

	@Test
	void httpTransportDeliversThroughTheLoadBalancerOrDirectly() throws Exception {
		BranchTransport transport = initiator.getBean(HttpBranchTransport.class);
		assertThat(transport.kind()).isEqualTo("http");
		// Bound while phase two runs inline after the method: phase-two calls must not be enlisted.
		RecordingTransaction transaction = new RecordingTransaction();
		try (TccBinding.Scope scope = TccBinding.bind(transaction)) {
			transport.deliver("xid-t", "1", "http://inventory", Phase.CONFIRM);
			transport.deliver("xid-t", "2", "http://inventory", Phase.CANCEL);
			transport.deliver("xid-t", "3", firstUrl, Phase.CONFIRM);
		}
		assertThat(transaction.enlisted).isEmpty();
		List<String> completed = new ArrayList<>(first.getBean(RecordingParticipant.class).completed);
		completed.addAll(second.getBean(RecordingParticipant.class).completed);
		assertThat(completed).containsExactlyInAnyOrder("xid-t/1/CONFIRM", "xid-t/2/CANCEL", "xid-t/3/CONFIRM");
		assertThat(first.getBean(RecordingParticipant.class).completed).contains("xid-t/3/CONFIRM");

		first.getBean(RecordingParticipant.class).failures.set(1);
		assertThatException().isThrownBy(() -> transport.deliver("xid-t", "4", firstUrl, Phase.CONFIRM))
			.withMessageContaining("500")
			.withMessageContaining("confirm failed on purpose");
		// Retried later, it completes.
		transport.deliver("xid-t", "4", firstUrl, Phase.CONFIRM);
		assertThat(first.getBean(RecordingParticipant.class).completed).contains("xid-t/4/CONFIRM");
	}

	@Test
	void httpTransportFailsFastWhenNobodyListens() throws Exception {
		BranchTransport transport = initiator.getBean(HttpBranchTransport.class);
		String address = "http://127.0.0.1:" + closedPort();
		assertThatException().isThrownBy(() -> transport.deliver("xid-t", "9", address, Phase.CANCEL));
	}

	@Test
	void httpTransportGivesUpOnAParticipantThatNeverAnswers() throws Exception {
		try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
			List<java.net.Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
			Thread acceptor = new Thread(() -> {
				try {
					while (true) {
						accepted.add(silent.accept());
					}
				}
				catch (IOException ex) {
					// closed
				}
			});
			acceptor.setDaemon(true);
			acceptor.start();
			HttpBranchTransport transport = new HttpBranchTransport(this.signer, "/distcore/tcc", Duration.ofSeconds(1),
					Duration.ofMillis(300), null);
			long start = System.nanoTime();
			assertThatException().isThrownBy(() -> transport.deliver("xid-s", "1",
					"http://127.0.0.1:" + silent.getLocalPort(), Phase.CONFIRM));
			// Generous: the point is that it does not hang.
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(20));
			for (java.net.Socket socket : accepted) {
				socket.close();
			}
		}
	}

	@Test
	void phaseTwoThroughTheBalancerReachesAHealthyInstanceWhenAnotherIsDown() throws Exception {
		BranchTransport transport = initiator.getBean(HttpBranchTransport.class);
		for (int i = 1; i <= 4; i++) {
			transport.deliver("xid-h", Integer.toString(i), "http://inventory-partly-down", Phase.CONFIRM);
		}
		assertThat(first.getBean(RecordingParticipant.class).completed).containsExactly("xid-h/1/CONFIRM",
				"xid-h/2/CONFIRM", "xid-h/3/CONFIRM", "xid-h/4/CONFIRM");
	}

	@Test
	void bootsTaskExecutorAndAsyncMethodsKeepTheTransaction() throws Exception {
		AsyncTaskExecutor executor = initiator.getBean("applicationTaskExecutor", AsyncTaskExecutor.class);
		AsyncCaller caller = initiator.getBean(AsyncCaller.class);
		RecordingTransaction transaction = new RecordingTransaction();
		Future<TccBinding.ActiveTransaction> onExecutor;
		String async;
		try (TccBinding.Scope scope = TccBinding.bind(transaction)) {
			onExecutor = executor.submit(TccBinding::currentTransaction);
			async = caller.reserve("http://inventory/reserve").get(10, TimeUnit.SECONDS);
		}
		assertThat(onExecutor.get(10, TimeUnit.SECONDS)).isSameAs(transaction);
		assertThat(async).startsWith(transaction.xid + " ").endsWith(" reserved");
		assertThat(async).doesNotContain(" " + Thread.currentThread().getName() + " ");
		assertThat(transaction.enlisted).containsExactly("http http://inventory");
		assertThat(seen()).containsExactly(transaction.xid + "/1");
		// The worker does not keep it.
		assertThat(executor.submit(TccBinding::currentTransaction).get(10, TimeUnit.SECONDS)).isNull();
	}

	@Test
	void wrappedExecutorCarriesAndRestoresTheBinding() throws Exception {
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			java.util.concurrent.Executor wrapped = TccTaskDecorator.wrap(pool);
			RecordingTransaction transaction = new RecordingTransaction();
			java.util.concurrent.CompletableFuture<Object> seenOnWorker = new java.util.concurrent.CompletableFuture<>();
			try (TccBinding.Scope scope = TccBinding.bind(transaction)) {
				wrapped.execute(() -> seenOnWorker.complete(TccBinding.currentTransaction()));
			}
			assertThat(seenOnWorker.get(10, TimeUnit.SECONDS)).isSameAs(transaction);
			Callable<Object> after = TccBinding::currentTransaction;
			assertThat(pool.submit(after).get(10, TimeUnit.SECONDS)).isNull();
		}
		finally {
			pool.shutdownNow();
		}
	}

	@Test
	void theSecretNeverAppearsInTheOutput(CapturedOutput output) throws Exception {
		// Refusals, a failing phase and a failed delivery all log; none of it may carry the secret.
		post(firstUrl + "/reserve", Map.of(TccHeaders.XID, "x"));
		post(firstUrl + "/reserve", signed(TccSigner.of(TccTestApps.newSecret(), Duration.ofMinutes(1), Clock.systemUTC()),
				"x", "1", Phase.TRY, firstUrl + "/reserve"));
		first.getBean(RecordingParticipant.class).failures.set(1);
		post(firstUrl + "/distcore/tcc/confirm", signed(this.signer, "x", "1", Phase.CONFIRM, firstUrl + "/distcore/tcc/confirm"));
		first.getBean(RecordingParticipant.class).failures.set(1);
		assertThatException()
			.isThrownBy(() -> initiator.getBean(HttpBranchTransport.class).deliver("x", "1", firstUrl, Phase.CONFIRM));
		assertThat(output.getAll()).contains("Refused TRY request").contains("confirm failed on purpose");
		assertThat(output.getAll()).doesNotContain(SECRET);
		for (ConfigurableApplicationContext context : List.of(first, initiator)) {
			assertThat(context.getBean(TccSigner.class).toString()).doesNotContain(SECRET);
		}
	}

	private static int closedPort() {
		try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new java.io.UncheckedIOException(ex);
		}
	}

	private static List<String> seen() {
		List<String> all = new ArrayList<>(seen(first));
		all.addAll(seen(second));
		return all;
	}

	private static List<String> seen(ConfigurableApplicationContext context) {
		return context.getBean(InventoryController.class).seen;
	}

	private static TccSigner.Signed sign(TccSigner signer, String xid, String branchId, Phase phase, String url) {
		return signer.sign(xid, branchId, phase, TccSigner.Target.of("POST", URI.create(url), new byte[0]));
	}

	/** Headers signed for an empty POST to {@code url}, as {@link #post} sends it. */
	private static Map<String, String> signed(TccSigner signer, String xid, String branchId, Phase phase, String url) {
		return headers(sign(signer, xid, branchId, phase, url));
	}

	private static Map<String, String> headers(TccSigner.Signed signed) {
		Map<String, String> headers = new java.util.LinkedHashMap<>();
		signed.writeTo(headers::put);
		return headers;
	}

	private static HttpResponse<String> send(String method, String url, String body, Map<String, String> headers)
			throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
			.timeout(Duration.ofSeconds(10))
			.method(method, HttpRequest.BodyPublishers.ofString(body))
			.header("Content-Type", "text/plain");
		headers.forEach(request::header);
		return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

	private static HttpResponse<String> post(String url, Map<String, String> headers)
			throws IOException, InterruptedException {
		HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
			.timeout(Duration.ofSeconds(10))
			.POST(HttpRequest.BodyPublishers.noBody());
		headers.forEach(request::header);
		return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
	}

}
