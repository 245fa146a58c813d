package io.distcore.tcc.web;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import io.distcore.loadbalancer.autoconfigure.LoadBalancerAutoConfiguration;
import io.distcore.loadbalancer.web.LoadBalanced;
import io.distcore.tcc.Phase;
import io.distcore.tcc.TccBinding;
import io.distcore.tcc.TccBinding.ActiveTransaction;
import io.distcore.tcc.TccBinding.InboundBranch;
import io.distcore.tcc.TccDuplicateTryException;
import io.distcore.tcc.TccParticipant;
import io.distcore.tcc.TccTryRefusedException;
import io.distcore.tcc.autoconfigure.TccAutoConfiguration;

import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.http.client.autoconfigure.HttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.imperative.ImperativeHttpClientAutoConfiguration;
import org.springframework.boot.http.client.autoconfigure.reactive.ReactiveHttpClientAutoConfiguration;
import org.springframework.boot.http.converter.autoconfigure.HttpMessageConvertersAutoConfiguration;
import org.springframework.boot.jackson.autoconfigure.JacksonAutoConfiguration;
import org.springframework.boot.restclient.RestTemplateBuilder;
import org.springframework.boot.restclient.autoconfigure.RestClientAutoConfiguration;
import org.springframework.boot.restclient.autoconfigure.RestClientBuilderConfigurer;
import org.springframework.boot.restclient.autoconfigure.RestTemplateAutoConfiguration;
import org.springframework.boot.tomcat.autoconfigure.servlet.TomcatServletWebServerAutoConfiguration;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.boot.webclient.autoconfigure.WebClientAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.DispatcherServletAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration;
import org.springframework.boot.webmvc.autoconfigure.error.ErrorMvcAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestMethod;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * The applications of the TCC web tests: a participant ("inventory", a web server with a recording
 * {@link TccParticipant} and a business endpoint that records the branch it ran as) and an initiator (no server,
 * Boot's HTTP clients, {@code @LoadBalanced} ones towards the participant's instances, Boot's task executor).
 */
final class TccTestApps {

	static final String NO_BRANCH = "none";

	private TccTestApps() {
	}

	static String newSecret() {
		return "test-secret-" + UUID.randomUUID() + UUID.randomUUID();
	}

	static ConfigurableApplicationContext startParticipant(String name, String secret, String... properties) {
		List<String> all = new ArrayList<>(List.of("server.port=0", "server.address=127.0.0.1",
				"spring.application.name=" + name, "distcore.tcc.security.secret=" + secret));
		all.addAll(List.of(properties));
		return new SpringApplicationBuilder(ParticipantApp.class).web(WebApplicationType.SERVLET)
			.properties(all.toArray(String[]::new))
			.run();
	}

	static ConfigurableApplicationContext startInitiator(String secret, String... properties) {
		List<String> all = new ArrayList<>(List.of("distcore.tcc.security.secret=" + secret));
		all.addAll(List.of(properties));
		return new SpringApplicationBuilder(InitiatorApp.class).web(WebApplicationType.NONE)
			.properties(all.toArray(String[]::new))
			.run();
	}

	static int port(ConfigurableApplicationContext context) {
		return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ TomcatServletWebServerAutoConfiguration.class, DispatcherServletAutoConfiguration.class,
			WebMvcAutoConfiguration.class, ErrorMvcAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
			JacksonAutoConfiguration.class, LoadBalancerAutoConfiguration.class, TccAutoConfiguration.class })
	@Import(InventoryController.class)
	static class ParticipantApp {

		@Bean
		RecordingParticipant recordingParticipant() {
			return new RecordingParticipant();
		}

		/**
		 * A try refused outside Spring MVC, where only the TCC filter can turn it into a 409.
		 */
		@Bean
		FilterRegistrationBean<Filter> refusingFilter() {
			FilterRegistrationBean<Filter> registration = new FilterRegistrationBean<>((request, response, chain) -> {
				String uri = ((HttpServletRequest) request).getRequestURI();
				if (uri.equals("/refused-in-filter")) {
					InboundBranch branch = TccBinding.currentInbound();
					throw new TccTryRefusedException(branch.xid(), branch.branchId());
				}
				if (uri.equals("/repeated-in-filter")) {
					InboundBranch branch = TccBinding.currentInbound();
					throw new TccDuplicateTryException(branch.xid(), branch.branchId());
				}
				chain.doFilter(request, response);
			});
			registration.setOrder(0);
			return registration;
		}

	}

	/**
	 * A business endpoint: records the branch each request ran as; {@code /refuse} is a try the barrier refused.
	 */
	@RestController
	static class InventoryController {

		final List<String> seen = new CopyOnWriteArrayList<>();

		@PostMapping("/reserve")
		String reserve() {
			InboundBranch branch = TccBinding.currentInbound();
			this.seen.add((branch != null) ? branch.xid() + "/" + branch.branchId() : NO_BRANCH);
			return "reserved";
		}

		/**
		 * Records what it was asked for: method, SKU, quantity (a query or form parameter) and body.
		 */
		@RequestMapping(path = "/reserve/{sku}", method = { RequestMethod.POST, RequestMethod.PUT })
		String reserveSku(HttpServletRequest request, @PathVariable String sku,
				@RequestParam(defaultValue = "1") int quantity, @RequestBody(required = false) String body) {
			InboundBranch branch = TccBinding.currentInbound();
			String what = request.getMethod() + " " + sku + " x" + quantity + " body=" + body;
			this.seen.add(((branch != null) ? branch.xid() + "/" + branch.branchId() : NO_BRANCH) + " " + what);
			return what;
		}

		/** A form post: the quantity comes from the URL-encoded body the TCC filter has already read. */
		@PostMapping(path = "/reserve-form/{sku}", consumes = MediaType.APPLICATION_FORM_URLENCODED_VALUE)
		String reserveForm(@PathVariable String sku, @RequestParam int quantity, @RequestParam String note) {
			InboundBranch branch = TccBinding.currentInbound();
			String what = "FORM " + sku + " x" + quantity + " note=" + note;
			this.seen.add(((branch != null) ? branch.xid() + "/" + branch.branchId() : NO_BRANCH) + " " + what);
			return what;
		}

		@PostMapping("/refuse")
		String refuse() {
			InboundBranch branch = TccBinding.currentInbound();
			throw new TccTryRefusedException(branch.xid(), branch.branchId());
		}

		@PostMapping("/repeated")
		String repeated() {
			InboundBranch branch = TccBinding.currentInbound();
			throw new TccDuplicateTryException(branch.xid(), branch.branchId());
		}

	}

	/**
	 * Records the phase-two calls it receives; fails the next {@link #failures} of them.
	 */
	static final class RecordingParticipant implements TccParticipant {

		final List<String> completed = new CopyOnWriteArrayList<>();

		final AtomicInteger failures = new AtomicInteger();

		@Override
		public void complete(String xid, String branchId, Phase phase) {
			if (this.failures.getAndUpdate((n) -> Math.max(0, n - 1)) > 0) {
				throw new IllegalStateException("confirm failed on purpose");
			}
			this.completed.add(xid + "/" + branchId + "/" + phase);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ HttpClientAutoConfiguration.class, ImperativeHttpClientAutoConfiguration.class,
			ReactiveHttpClientAutoConfiguration.class, HttpMessageConvertersAutoConfiguration.class,
			JacksonAutoConfiguration.class, RestClientAutoConfiguration.class, RestTemplateAutoConfiguration.class,
			WebClientAutoConfiguration.class, TaskExecutionAutoConfiguration.class, LoadBalancerAutoConfiguration.class,
			TccAutoConfiguration.class })
	@EnableAsync
	static class InitiatorApp {

		@Bean
		@LoadBalanced
		RestClient.Builder loadBalancedRestClientBuilder(RestClientBuilderConfigurer configurer) {
			return configurer.configure(RestClient.builder());
		}

		@Bean
		@LoadBalanced
		RestTemplate loadBalancedRestTemplate(RestTemplateBuilder builder) {
			return builder.build();
		}

		@Bean
		@LoadBalanced
		WebClient.Builder loadBalancedWebClientBuilder(ObjectProvider<WebClientCustomizer> customizers) {
			WebClient.Builder builder = WebClient.builder();
			customizers.orderedStream().forEach((customizer) -> customizer.customize(builder));
			return builder;
		}

		/** Built without Boot's customizers, the way {@link LoadBalanced}'s example does. */
		@Bean
		@LoadBalanced
		RestClient.Builder plainLoadBalancedRestClientBuilder() {
			return RestClient.builder();
		}

		@Bean
		@LoadBalanced
		RestTemplate plainLoadBalancedRestTemplate() {
			return new RestTemplate();
		}

		@Bean
		@LoadBalanced
		WebClient.Builder plainLoadBalancedWebClientBuilder() {
			return WebClient.builder();
		}

		@Bean
		AsyncCaller asyncCaller(@Qualifier("loadBalancedRestClientBuilder") @LoadBalanced RestClient.Builder builder) {
			return new AsyncCaller(builder.build());
		}

	}

	/**
	 * Makes a call to the participant on Boot's task executor.
	 */
	static class AsyncCaller {

		private final RestClient client;

		AsyncCaller(RestClient client) {
			this.client = client;
		}

		@Async
		public CompletableFuture<String> reserve(String url) {
			ActiveTransaction transaction = TccBinding.currentTransaction();
			String body = this.client.post().uri(url).retrieve().body(String.class);
			return CompletableFuture.completedFuture(((transaction != null) ? transaction.xid() : NO_BRANCH) + " "
					+ Thread.currentThread().getName() + " " + body);
		}

	}

	/**
	 * Stands in for the coordinator: records what is enlisted and numbers the branches.
	 */
	static final class RecordingTransaction implements ActiveTransaction {

		final String xid = "xid-" + UUID.randomUUID();

		final List<String> enlisted = new CopyOnWriteArrayList<>();

		private final AtomicInteger branches = new AtomicInteger();

		@Override
		public String xid() {
			return this.xid;
		}

		@Override
		public String enlist(String transport, String address) {
			this.enlisted.add(transport + " " + address);
			return Integer.toString(this.branches.incrementAndGet());
		}

	}

}
