package io.distcore.tcc.autoconfigure;

import java.util.Locale;

import io.distcore.loadbalancer.web.LoadBalanced;
import io.distcore.loadbalancer.web.LoadBalancerInterceptor;
import io.distcore.tcc.TccParticipant;
import io.distcore.tcc.web.HttpBranchTransport;
import io.distcore.tcc.web.TccClientInterceptor;
import io.distcore.tcc.web.TccExchangeFilter;
import io.distcore.tcc.web.TccLoadBalancedClientsPostProcessor;
import io.distcore.tcc.web.TccSecretCheck;
import io.distcore.tcc.web.TccServletFilter;
import io.distcore.tcc.web.TccSigner;
import io.distcore.tcc.web.TccTaskDecorator;
import io.distcore.tcc.web.TccTryRefusedHandler;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.actuate.endpoint.SanitizingFunction;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.boot.context.properties.source.InvalidConfigurationPropertyValueException;
import org.springframework.boot.restclient.RestClientCustomizer;
import org.springframework.boot.restclient.RestTemplateCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.boot.webclient.WebClientCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.task.TaskDecorator;
import org.springframework.util.unit.DataSize;
import org.springframework.web.client.RestClient;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * HTTP: signed transaction headers on Boot-built clients, the participant's server filter and phase-two endpoint, and the http branch transport.
 * Every bean here is inert until a transaction is bound or a signed request arrives; the secret is required at
 * startup only by an application with a TCC method ({@link TccSecretCheck}).
 */
@Configuration(proxyBeanMethods = false)
class TccWebConfiguration {

	private static final DataSize LARGEST_BODY = DataSize.ofMegabytes(256);

	@Bean
	@ConditionalOnMissingBean
	TccSigner distcoreTccSigner(TccProperties properties) {
		TccProperties.Security security = properties.getSecurity();
		return TccSecretCheck.signer(security.getSecret(), security.isInsecureDevelopment(),
				security.getMaxClockSkew());
	}

	@Bean
	TccSecretCheck distcoreTccSecretCheck(ConfigurableListableBeanFactory beanFactory, TccProperties properties) {
		return new TccSecretCheck(beanFactory, properties.getSecurity().getSecret(),
				properties.getSecurity().isInsecureDevelopment());
	}

	@Bean
	@ConditionalOnMissingBean(TaskDecorator.class)
	TccTaskDecorator distcoreTccTaskDecorator() {
		return new TccTaskDecorator();
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(RestClient.class)
	static class HttpClientConfiguration {

		@Bean
		@ConditionalOnMissingBean
		TccClientInterceptor distcoreTccClientInterceptor(TccSigner signer) {
			return new TccClientInterceptor(signer);
		}

		@Bean
		@ConditionalOnMissingBean
		HttpBranchTransport distcoreTccHttpBranchTransport(TccSigner signer, TccProperties properties,
				ObjectProvider<LoadBalancerInterceptor> loadBalancer) {
			TccProperties.Participant participant = properties.getParticipant();
			return new HttpBranchTransport(signer, participant.getPath(), participant.getConnectTimeout(),
					participant.getReadTimeout(), loadBalancer.getIfAvailable());
		}

		@Bean
		@ConditionalOnClass(LoadBalanced.class)
		static TccLoadBalancedClientsPostProcessor distcoreTccLoadBalancedClientsPostProcessor(
				ConfigurableListableBeanFactory beanFactory) {
			return new TccLoadBalancedClientsPostProcessor(beanFactory);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ RestClient.class, RestClientCustomizer.class })
	static class RestClientCustomizerConfiguration {

		// First in the list: it must see the URI before the load balancer (added later, by its post-processor)
		// rewrites it to an instance.
		@Bean
		@ConditionalOnMissingBean(name = "distcoreTccRestClientCustomizer")
		RestClientCustomizer distcoreTccRestClientCustomizer(TccClientInterceptor interceptor) {
			return (builder) -> builder.requestInterceptors((interceptors) -> {
				if (!interceptors.contains(interceptor)) {
					interceptors.add(0, interceptor);
				}
			});
		}

		@Bean
		@ConditionalOnMissingBean(name = "distcoreTccRestTemplateCustomizer")
		RestTemplateCustomizer distcoreTccRestTemplateCustomizer(TccClientInterceptor interceptor) {
			return (restTemplate) -> {
				if (!restTemplate.getInterceptors().contains(interceptor)) {
					restTemplate.getInterceptors().add(0, interceptor);
				}
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass({ WebClient.class, WebClientCustomizer.class })
	static class WebClientCustomizerConfiguration {

		@Bean
		@ConditionalOnMissingBean
		TccExchangeFilter distcoreTccExchangeFilter(TccSigner signer, TccProperties properties) {
			return new TccExchangeFilter(signer, maxBodySize(properties));
		}

		@Bean
		@ConditionalOnMissingBean(name = "distcoreTccWebClientCustomizer")
		WebClientCustomizer distcoreTccWebClientCustomizer(TccExchangeFilter filter) {
			return (builder) -> builder.filters((filters) -> {
				if (!filters.contains(filter)) {
					filters.add(0, filter);
				}
			});
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnWebApplication(type = Type.SERVLET)
	static class ServletConfiguration {

		@Bean
		@ConditionalOnMissingBean(name = "distcoreTccServletFilter")
		FilterRegistrationBean<TccServletFilter> distcoreTccServletFilter(TccSigner signer,
				ObjectProvider<TccParticipant> participant, TccProperties properties) {
			FilterRegistrationBean<TccServletFilter> registration = new FilterRegistrationBean<>(
					new TccServletFilter(signer, participant, properties.getParticipant().getPath(),
							maxBodySize(properties)));
			// Ahead of security and request-wrapping filters: the branch is bound for all of them, and the
			// phase-two endpoint authenticates itself.
			registration.setOrder(Ordered.HIGHEST_PRECEDENCE + 10);
			return registration;
		}

		@Bean
		@ConditionalOnClass(name = "org.springframework.web.servlet.DispatcherServlet")
		@ConditionalOnMissingBean
		TccTryRefusedHandler distcoreTccTryRefusedHandler() {
			return new TccTryRefusedHandler();
		}

	}

	/**
	 * Bodies are held in memory whole, in a byte array.
	 */
	static int maxBodySize(TccProperties properties) {
		DataSize size = properties.getSecurity().getMaxBodySize();
		if (size == null || size.isNegative() || size.compareTo(LARGEST_BODY) > 0) {
			throw new InvalidConfigurationPropertyValueException("distcore.tcc.security.max-body-size", size,
					"must be between 0B and " + LARGEST_BODY.toMegabytes() + "MB");
		}
		return (int) size.toBytes();
	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(SanitizingFunction.class)
	static class ActuatorConfiguration {

		/**
		 * Boot masks every value by default, but shows them all once {@code show-values} is {@code always}: the
		 * secret stays masked then too, in {@code /actuator/configprops} and {@code /actuator/env}.
		 */
		@Bean
		@ConditionalOnMissingBean(name = "distcoreTccSecretSanitizer")
		SanitizingFunction distcoreTccSecretSanitizer() {
			return SanitizingFunction.sanitizeValue()
				.ifMatches((data) -> normalize(data.getKey()).equals("distcoretccsecuritysecret"));
		}

		private static String normalize(String key) {
			return (key != null) ? key.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]", "") : "";
		}

	}

}
