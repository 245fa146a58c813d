package io.distcore.lock.aop;

import io.distcore.lock.DistributedLock;
import org.aopalliance.aop.Advice;

import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Applies {@link DistributedLockInterceptor} to methods annotated with {@link DistributedLock}, including
 * methods that inherit the annotation from the method they override or implement. Once every singleton exists,
 * it checks the annotations of all beans, so that a mistake in one fails the startup; it stops the interceptor's
 * deferred releases when the context closes.
 */
public final class DistributedLockAdvisor extends AbstractPointcutAdvisor
		implements SmartInitializingSingleton, DisposableBean {

	private final transient DistributedLockInterceptor interceptor;

	private final transient Pointcut pointcut = new AnnotationMatchingPointcut(null, DistributedLock.class, true);

	public DistributedLockAdvisor(DistributedLockInterceptor interceptor, int order) {
		this.interceptor = interceptor;
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
	public void afterSingletonsInstantiated() {
		this.interceptor.checkBeans();
	}

	@Override
	public void destroy() {
		this.interceptor.close();
	}

}
