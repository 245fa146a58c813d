package io.distcore.tcc.web;

import java.util.List;

import io.distcore.loadbalancer.web.LoadBalanced;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.http.client.ClientHttpRequestInterceptor;
import org.springframework.util.Assert;
import org.springframework.util.ClassUtils;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Puts the TCC interceptor (or WebClient filter) first into {@link LoadBalanced} client beans that were not built
 * through Boot's customizers (e.g. {@code return RestClient.builder();}, as {@link LoadBalanced}'s own example
 * does): they are meant for calls to other services, which is where remote participants live. First, so that the
 * branch is recorded under the service name, before the balancer rewrites the URI. Beans that already have it
 * (built with Boot's customizers) are left as they are. The interceptor is looked up when the first such bean
 * appears, so this early post-processor pulls nothing into early initialization.
 */
public final class TccLoadBalancedClientsPostProcessor implements BeanPostProcessor {

	private static final boolean WEBFLUX_PRESENT = ClassUtils.isPresent(
			"org.springframework.web.reactive.function.client.WebClient",
			TccLoadBalancedClientsPostProcessor.class.getClassLoader());

	private final ConfigurableListableBeanFactory beanFactory;

	/**
	 * @param beanFactory where the client beans' annotations, the {@link TccClientInterceptor} and the
	 * {@link TccExchangeFilter} (looked up by type so that this class loads without WebFlux) are found
	 */
	public TccLoadBalancedClientsPostProcessor(ConfigurableListableBeanFactory beanFactory) {
		Assert.notNull(beanFactory, "beanFactory must not be null");
		this.beanFactory = beanFactory;
	}

	@Override
	public Object postProcessBeforeInitialization(Object bean, String beanName) throws BeansException {
		boolean client = bean instanceof RestClient.Builder || bean instanceof RestTemplate
				|| (WEBFLUX_PRESENT && WebClients.isBuilder(bean));
		if (!client || !hasAnnotation(beanName)) {
			return bean;
		}
		if (bean instanceof RestClient.Builder builder) {
			builder.requestInterceptors(this::putFirst);
		}
		else if (bean instanceof RestTemplate restTemplate) {
			putFirst(restTemplate.getInterceptors());
		}
		else {
			WebClients.putFilterFirst(bean, this.beanFactory);
		}
		return bean;
	}

	private void putFirst(List<ClientHttpRequestInterceptor> interceptors) {
		TccClientInterceptor interceptor = this.beanFactory.getBean(TccClientInterceptor.class);
		if (!interceptors.contains(interceptor)) {
			interceptors.add(0, interceptor);
		}
	}

	// Inner or manually registered objects have no definition, hence no annotation.
	private boolean hasAnnotation(String beanName) {
		return this.beanFactory.containsBeanDefinition(beanName)
				&& this.beanFactory.findAnnotationOnBean(beanName, LoadBalanced.class) != null;
	}

	/**
	 * Touches WebFlux types only when WebFlux is on the class path.
	 */
	private static final class WebClients {

		static boolean isBuilder(Object bean) {
			return bean instanceof WebClient.Builder;
		}

		static void putFilterFirst(Object builder, BeanFactory beanFactory) {
			beanFactory.getBeanProvider(TccExchangeFilter.class)
				.ifAvailable((filter) -> ((WebClient.Builder) builder).filters((filters) -> {
					if (!filters.contains(filter)) {
						filters.add(0, filter);
					}
				}));
		}

	}

}
