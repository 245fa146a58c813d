package io.distcore.loadbalancer.web;

import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.NoSuchBeanDefinitionException;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.util.Assert;
import org.springframework.util.ClassUtils;
import org.springframework.web.client.RestClient;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.reactive.function.client.WebClient;

/**
 * Installs the load balancer into {@code RestClient.Builder}, {@code RestTemplate} and {@code WebClient.Builder}
 * beans declared with {@link LoadBalanced} (on the {@code @Bean} method or the class), and into no other bean.
 * The interceptor and filter are looked up lazily, when the first such bean appears, so that this early
 * post-processor does not drag the balancer's dependencies into early initialization.
 */
public final class LoadBalancedBeanPostProcessor implements BeanPostProcessor, BeanFactoryAware {

	private static final boolean WEBFLUX_PRESENT = ClassUtils.isPresent(
			"org.springframework.web.reactive.function.client.WebClient", LoadBalancedBeanPostProcessor.class.getClassLoader());

	private final ObjectProvider<LoadBalancerInterceptor> interceptor;

	private ConfigurableListableBeanFactory beanFactory;

	/**
	 * @param interceptor the interceptor for RestClient and RestTemplate; the WebClient filter, a
	 * {@link LoadBalancerExchangeFilter} bean, is looked up by type so that this class loads without WebFlux
	 */
	public LoadBalancedBeanPostProcessor(ObjectProvider<LoadBalancerInterceptor> interceptor) {
		Assert.notNull(interceptor, "Interceptor provider must not be null");
		this.interceptor = interceptor;
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		Assert.isInstanceOf(ConfigurableListableBeanFactory.class, beanFactory);
		this.beanFactory = (ConfigurableListableBeanFactory) beanFactory;
	}

	@Override
	public Object postProcessBeforeInitialization(Object bean, String beanName) throws BeansException {
		if (bean instanceof RestClient.Builder builder) {
			if (isLoadBalanced(beanName)) {
				builder.requestInterceptors((interceptors) -> {
					LoadBalancerInterceptor interceptor = this.interceptor.getObject();
					if (!interceptors.contains(interceptor)) {
						interceptors.add(interceptor);
					}
				});
			}
		}
		else if (bean instanceof RestTemplate restTemplate) {
			if (isLoadBalanced(beanName)) {
				LoadBalancerInterceptor interceptor = this.interceptor.getObject();
				if (!restTemplate.getInterceptors().contains(interceptor)) {
					restTemplate.getInterceptors().add(interceptor);
				}
			}
		}
		else if (WEBFLUX_PRESENT && WebClients.isBuilder(bean) && isLoadBalanced(beanName)) {
			WebClients.addFilter(bean, this.beanFactory);
		}
		return bean;
	}

	private boolean isLoadBalanced(String beanName) {
		try {
			return this.beanFactory.findAnnotationOnBean(beanName, LoadBalanced.class) != null;
		}
		catch (NoSuchBeanDefinitionException ex) {
			// An inner or manually registered object: it cannot carry the annotation.
			return false;
		}
	}

	/**
	 * Touches WebFlux types only when WebFlux is on the class path.
	 */
	private static final class WebClients {

		static boolean isBuilder(Object bean) {
			return bean instanceof WebClient.Builder;
		}

		static void addFilter(Object bean, BeanFactory beanFactory) {
			LoadBalancerExchangeFilter filter = beanFactory.getBean(LoadBalancerExchangeFilter.class);
			((WebClient.Builder) bean).filters((filters) -> {
				if (!filters.contains(filter)) {
					filters.add(filter);
				}
			});
		}

	}

}
