package io.distcore.tcc.aop;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.distcore.tcc.TccTransaction;
import io.distcore.tcc.coordinator.TccCoordinator;
import org.aopalliance.aop.Advice;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;

import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;

/**
 * The {@link TccTransaction @TccTransaction} advice: runs the annotated method as a global transaction of the
 * {@link TccCoordinator} (or joins the one already bound on the thread). Once every singleton exists it checks
 * every bean's annotations, so a bad timeout fails the startup naming the bean and method, and it remembers
 * whether the application has any such method at all: recovery runs only if it does.
 */
public final class TccTransactionAspect extends AbstractPointcutAdvisor
		implements SmartInitializingSingleton, BeanFactoryAware {

	private static final List<String> ASYNCHRONOUS_TYPES = List.of("java.util.concurrent.Future",
			"java.util.concurrent.CompletionStage", "org.reactivestreams.Publisher");

	private final transient Pointcut pointcut = new AnnotationMatchingPointcut(null, TccTransaction.class, true);

	private final transient Interceptor interceptor;

	private transient BeanFactory beanFactory;

	private volatile boolean transactionalMethods;

	/**
	 * @param coordinator the coordinator, looked up at the first call
	 * @param defaultTimeout timeout of annotations that give none
	 * @param order order of the advice
	 */
	public TccTransactionAspect(Supplier<TccCoordinator> coordinator, Duration defaultTimeout, int order) {
		this.interceptor = new Interceptor(coordinator, defaultTimeout);
		setOrder(order);
	}

	@Override
	public Pointcut getPointcut() {
		return this.pointcut;
	}

	@Override
	public Advice getAdvice() {
		return this.interceptor;
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
		this.beanFactory = beanFactory;
	}

	/**
	 * Whether a bean of the application has a {@code @TccTransaction} method; known once every singleton exists.
	 * @return {@code true} if one does
	 */
	public boolean hasTransactionalMethods() {
		return this.transactionalMethods;
	}

	@Override
	public void afterSingletonsInstantiated() {
		if (!(this.beanFactory instanceof ConfigurableListableBeanFactory listable)) {
			return;
		}
		for (String beanName : listable.getBeanDefinitionNames()) {
			Class<?> type = listable.getType(beanName, false);
			if (type == null) {
				continue;
			}
			Class<?> userClass = ClassUtils.getUserClass(type);
			Map<Method, TccTransaction> methods = MethodIntrospector.selectMethods(userClass,
					(MethodIntrospector.MetadataLookup<TccTransaction>) (method) -> AnnotatedElementUtils
						.findMergedAnnotation(method, TccTransaction.class));
			for (Map.Entry<Method, TccTransaction> entry : methods.entrySet()) {
				try {
					this.interceptor.timeout(entry.getValue());
					rejectAsynchronous(entry.getKey());
				}
				catch (IllegalArgumentException ex) {
					throw new IllegalStateException("@TccTransaction on bean '" + beanName + "' method "
							+ userClass.getName() + "." + entry.getKey().getName() + ": " + ex.getMessage());
				}
				this.transactionalMethods = true;
			}
		}
	}

	/**
	 * The decision is taken when the method returns: a method that returns a future or a publisher would be
	 * confirmed before its work ran, and its failures would never cancel anything.
	 */
	private static void rejectAsynchronous(Method method) {
		Class<?> returnType = method.getReturnType();
		ClassLoader classLoader = method.getDeclaringClass().getClassLoader();
		for (String name : ASYNCHRONOUS_TYPES) {
			if (ClassUtils.isPresent(name, classLoader)
					&& ClassUtils.resolveClassName(name, classLoader).isAssignableFrom(returnType)) {
				throw new IllegalArgumentException("returns " + returnType.getSimpleName() + ": a @TccTransaction "
						+ "method must finish its work before it returns (the decision is taken then)");
			}
		}
	}

	private static final class Interceptor implements MethodInterceptor {

		private final Supplier<TccCoordinator> coordinator;

		private final Duration defaultTimeout;

		private final Map<Method, Definition> definitions = new ConcurrentHashMap<>();

		Interceptor(Supplier<TccCoordinator> coordinator, Duration defaultTimeout) {
			this.coordinator = coordinator;
			this.defaultTimeout = defaultTimeout;
		}

		@Override
		public Object invoke(MethodInvocation invocation) throws Throwable {
			Class<?> targetClass = (invocation.getThis() != null) ? AopUtils.getTargetClass(invocation.getThis())
					: invocation.getMethod().getDeclaringClass();
			Method method = AopUtils.getMostSpecificMethod(invocation.getMethod(), targetClass);
			Definition definition = this.definitions.computeIfAbsent(method, (key) -> define(key, targetClass));
			if (definition == null) {
				return invocation.proceed();
			}
			return this.coordinator.get().execute(definition.name(), definition.timeout(), invocation::proceed);
		}

		private Definition define(Method method, Class<?> targetClass) {
			TccTransaction annotation = AnnotatedElementUtils.findMergedAnnotation(method, TccTransaction.class);
			if (annotation == null) {
				return null;
			}
			String name = annotation.name().isEmpty()
					? ClassUtils.getUserClass(targetClass).getSimpleName() + "." + method.getName() : annotation.name();
			return new Definition(name, timeout(annotation));
		}

		Duration timeout(TccTransaction annotation) {
			String text = annotation.timeout().strip();
			if (text.isEmpty()) {
				return this.defaultTimeout;
			}
			Duration timeout;
			try {
				timeout = DurationStyle.detectAndParse(text);
			}
			catch (RuntimeException ex) {
				throw new IllegalArgumentException("timeout '" + text + "' is not a duration (such as 30s or PT30S)");
			}
			if (timeout.isNegative() || timeout.isZero()) {
				throw new IllegalArgumentException("timeout '" + text + "' must be positive");
			}
			return timeout;
		}

	}

	private record Definition(String name, Duration timeout) {
	}

}
