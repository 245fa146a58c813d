package io.distcore.lock.aop;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import io.distcore.lock.DistributedLock;
import io.distcore.lock.LockAcquisitionException;
import io.distcore.lock.LockException;
import io.distcore.lock.LockFailureHandler;
import io.distcore.lock.LockLostException;
import io.distcore.lock.LockRegistry;
import io.distcore.lock.NamedLock;
import org.aopalliance.intercept.MethodInterceptor;
import org.aopalliance.intercept.MethodInvocation;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.MethodClassKey;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * Runs {@link DistributedLock} methods under their locks.
 */
public final class DistributedLockInterceptor implements MethodInterceptor {

	private static final ThreadLocal<Deque<NamedLock>> heldByAdvice = ThreadLocal.withInitial(ArrayDeque::new);

	private final Supplier<LockRegistry> registry;

	private final Environment environment;

	private final BeanFactory beanFactory;

	private final Duration defaultWaitTime;

	private final LockKeyEvaluator keys;

	private final Map<MethodClassKey, Definition> definitions = new ConcurrentHashMap<>();

	/**
	 * Creates the interceptor.
	 * @param registry supplies the registry lazily, so that advisors can be created before it
	 * @param environment resolves placeholders in annotation attributes
	 * @param beanFactory finds failure handlers and serves {@code @bean} references in keys
	 * @param defaultWaitTime wait time of annotations that do not give one
	 */
	public DistributedLockInterceptor(Supplier<LockRegistry> registry, Environment environment, BeanFactory beanFactory,
			Duration defaultWaitTime) {
		this.registry = registry;
		this.environment = environment;
		this.beanFactory = beanFactory;
		this.defaultWaitTime = defaultWaitTime;
		this.keys = new LockKeyEvaluator(beanFactory);
	}

	/**
	 * Locks held by {@link DistributedLock} advice on the calling thread, innermost first.
	 * @return the locks
	 */
	static Iterable<NamedLock> locksHeldByAdvice() {
		return heldByAdvice.get();
	}

	@Override
	public Object invoke(MethodInvocation invocation) throws Throwable {
		Object target = invocation.getThis();
		Class<?> targetClass = (target != null) ? AopUtils.getTargetClass(target) : invocation.getMethod().getDeclaringClass();
		Definition definition = this.definitions.computeIfAbsent(new MethodClassKey(invocation.getMethod(), targetClass),
				(key) -> define(invocation.getMethod(), targetClass));
		if (definition == null) {
			return invocation.proceed();
		}
		LockRegistry registry = this.registry.get();
		TreeSet<String> names = new TreeSet<>();
		for (String key : this.keys.keys(definition.keys, definition.method, invocation.getArguments(), target)) {
			names.add(definition.prefix + ":" + key);
		}
		if (names.isEmpty()) {
			names.add(definition.prefix);
		}
		String backend = definition.backend.isEmpty() ? registry.defaultBackend() : definition.backend;
		List<NamedLock> acquired = new ArrayList<>(names.size());
		try {
			acquireAll(registry, backend, names, definition, acquired);
		}
		catch (LockException ex) {
			releaseAll(acquired, ex);
			return onFailure(definition, invocation, ex);
		}
		catch (RuntimeException | Error ex) {
			// Whatever a backend threw, the locks taken so far must not outlive this call.
			releaseAll(acquired, ex);
			throw ex;
		}
		Deque<NamedLock> stack = heldByAdvice.get();
		acquired.forEach(stack::push);
		Throwable failure = null;
		try {
			return invocation.proceed();
		}
		catch (Throwable ex) {
			failure = ex;
			throw ex;
		}
		finally {
			for (int i = 0; i < acquired.size(); i++) {
				stack.pop();
			}
			if (stack.isEmpty()) {
				heldByAdvice.remove();
			}
			releaseAll(acquired, failure);
		}
	}

	private void acquireAll(LockRegistry registry, String backend, TreeSet<String> names, Definition definition,
			List<NamedLock> acquired) {
		long deadline = System.nanoTime() + definition.waitTime.toNanos();
		for (String name : names) {
			NamedLock lock = registry.getLock(name, backend);
			Duration remaining = Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
			boolean locked;
			try {
				locked = lock.tryLock(remaining, definition.leaseTime);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new LockAcquisitionException(name, "Interrupted while waiting for lock '" + name + "'", ex);
			}
			if (!locked) {
				throw new LockAcquisitionException(name, definition.waitTime);
			}
			acquired.add(lock);
		}
	}

	/**
	 * Releases in reverse order. A lost hold is reported after every other lock was released: as the call's
	 * exception when the method succeeded, as a suppressed one when it failed.
	 */
	private static void releaseAll(List<NamedLock> acquired, Throwable methodFailure) {
		RuntimeException first = null;
		for (int i = acquired.size() - 1; i >= 0; i--) {
			try {
				acquired.get(i).unlock();
			}
			catch (RuntimeException ex) {
				if (first == null) {
					first = ex;
				}
				else {
					first.addSuppressed(ex);
				}
			}
		}
		if (first == null) {
			return;
		}
		if (methodFailure != null) {
			methodFailure.addSuppressed(first);
			return;
		}
		throw first;
	}

	private Object onFailure(Definition definition, MethodInvocation invocation, LockException failure) throws Throwable {
		if (definition.onFailure.isEmpty()) {
			throw failure;
		}
		LockFailureHandler handler = this.beanFactory.getBean(definition.onFailure, LockFailureHandler.class);
		return handler.handle(definition.method, invocation.getArguments(), failure);
	}

	private Definition define(Method method, Class<?> targetClass) {
		Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
		DistributedLock annotation = AnnotatedElementUtils.findMergedAnnotation(specific, DistributedLock.class);
		if (annotation == null) {
			annotation = AnnotatedElementUtils.findMergedAnnotation(method, DistributedLock.class);
		}
		if (annotation == null) {
			return null;
		}
		String where = specific.getDeclaringClass().getSimpleName() + "." + specific.getName();
		String prefix = StringUtils.hasText(annotation.prefix()) ? resolve(annotation.prefix()) : where;
		Duration waitTime = duration(annotation.waitTime(), "waitTime", where);
		Duration leaseTime = duration(annotation.leaseTime(), "leaseTime", where);
		return new Definition(specific, annotation.key(), prefix, (waitTime != null) ? waitTime : this.defaultWaitTime,
				leaseTime, resolve(annotation.backend()), annotation.onFailure());
	}

	private Duration duration(String value, String attribute, String where) {
		String resolved = resolve(value);
		if (!StringUtils.hasText(resolved)) {
			return null;
		}
		try {
			Duration duration = DurationStyle.detectAndParse(resolved);
			if (duration.isNegative()) {
				throw new IllegalArgumentException("negative");
			}
			return duration;
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalStateException("@DistributedLock(" + attribute + " = \"" + value + "\") on " + where
					+ " is not a duration such as 500ms, 2s or PT1M", ex);
		}
	}

	private String resolve(String value) {
		return (this.environment != null) ? this.environment.resolveRequiredPlaceholders(value) : value;
	}

	private record Definition(Method method, String[] keys, String prefix, Duration waitTime, Duration leaseTime,
			String backend, String onFailure) {
	}

}
