package io.distcore.lock.aop;

import io.distcore.lock.DistributedLock;
import org.aopalliance.aop.Advice;

import org.springframework.aop.Pointcut;
import org.springframework.aop.support.AbstractPointcutAdvisor;
import org.springframework.aop.support.annotation.AnnotationMatchingPointcut;

/**
 * Applies {@link DistributedLockInterceptor} to methods annotated with {@link DistributedLock}, including
 * methods that inherit the annotation from the method they override or implement.
 */
public final class DistributedLockAdvisor extends AbstractPointcutAdvisor {

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

}
