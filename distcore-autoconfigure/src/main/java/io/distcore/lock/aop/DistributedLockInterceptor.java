package io.distcore.lock.aop;

import java.lang.reflect.Method;
import java.lang.reflect.TypeVariable;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.core.MethodClassKey;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.ReactiveAdapter;
import org.springframework.core.ReactiveAdapterRegistry;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.annotation.AnnotationUtils;
import org.springframework.core.env.Environment;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.scheduling.annotation.Schedules;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * Runs {@link DistributedLock} methods under their locks.
 * <p>
 * A method whose declared return type is {@link CompletionStage} or {@link CompletableFuture} keeps its locks
 * until the returned stage completes; the caller gets a stage that completes once they are released, failed with
 * {@link LockLostException} if a hold was lost before. Such holds, and those of {@code holdAtLeast}, belong to the
 * call rather than the thread, since they end on another thread: a nested call on the same lock does not reenter
 * them. Reactive types and plain {@link Future}s are refused when the application starts, because their work
 * runs after the method returned and the advice cannot see it end.
 * <p>
 * A method declared to return {@code Object} or a type variable (a generic handler's {@code T handle(...)}) may
 * return a stage too, which the advice only sees at return. Its holds therefore always belong to the call (a
 * nested call on the same lock does not reenter them either), so that a returned {@link CompletionStage} can keep
 * them until it completes like a declared one; a returned {@link Future} or reactive type releases them and fails
 * the call with {@link IllegalStateException}.
 * <p>
 * A {@link Scheduled} method whose locks are held elsewhere is skipped (logged at DEBUG) instead of failing,
 * unless it names an {@code onFailure} handler.
 */
public final class DistributedLockInterceptor implements MethodInterceptor {

	private static final Log logger = LogFactory.getLog(DistributedLockInterceptor.class);

	private static final ThreadLocal<Deque<NamedLock>> heldByAdvice = ThreadLocal.withInitial(ArrayDeque::new);

	/** Owners of holds that outlive their call's thread; unique in this process, which is all an owner needs. */
	private static final AtomicLong detachedCalls = new AtomicLong();

	private final Supplier<LockRegistry> registry;

	private final Environment environment;

	private final BeanFactory beanFactory;

	private final Duration defaultWaitTime;

	private final LockKeyEvaluator keys;

	private final Map<MethodClassKey, Optional<Definition>> definitions = new ConcurrentHashMap<>();

	private ScheduledExecutorService deferredReleases;

	private boolean closed;

	/**
	 * Creates the interceptor.
	 * @param registry supplies the registry lazily, so that advisors can be created before it
	 * @param environment resolves placeholders in annotation attributes
	 * @param beanFactory finds failure handlers, serves {@code @bean} references in keys, and lists the beans whose
	 * annotations {@link #checkBeans()} checks
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

	/**
	 * Checks the {@link DistributedLock} annotations of every bean of the bean factory, so that a bad duration, an
	 * unknown backend or a return type the advice cannot hold a lock for fails the startup instead of a call.
	 * @throws IllegalStateException naming the first method that is wrong and why
	 */
	public void checkBeans() {
		if (!(this.beanFactory instanceof ListableBeanFactory beans)) {
			return;
		}
		for (String name : beans.getBeanDefinitionNames()) {
			Class<?> type = beans.getType(name, false);
			if (type == null) {
				continue;
			}
			Class<?> userClass = ClassUtils.getUserClass(type);
			if (!AnnotationUtils.isCandidateClass(userClass, DistributedLock.class)) {
				continue;
			}
			MethodIntrospector.selectMethods(userClass, (MethodIntrospector.MetadataLookup<DistributedLock>) (
					method) -> AnnotatedElementUtils.findMergedAnnotation(method, DistributedLock.class))
				.keySet()
				.forEach((method) -> definition(method, userClass));
		}
	}

	/**
	 * Stops deferred releases. Holds whose {@code holdAtLeast} has not passed yet end with their lease or with the
	 * registry instead: released now, they would let another node run the job again at once.
	 */
	public void close() {
		ScheduledExecutorService executor;
		synchronized (this) {
			this.closed = true;
			executor = this.deferredReleases;
		}
		if (executor != null) {
			executor.shutdownNow();
		}
	}

	@Override
	public Object invoke(MethodInvocation invocation) throws Throwable {
		Object target = invocation.getThis();
		Class<?> targetClass = (target != null) ? AopUtils.getTargetClass(target) : invocation.getMethod().getDeclaringClass();
		Definition definition = definition(invocation.getMethod(), targetClass);
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
		String owner = definition.detached() ? "advice-call-" + detachedCalls.incrementAndGet() : null;
		List<NamedLock> acquired = new ArrayList<>(names.size());
		try {
			acquireAll(registry, backend, owner, names, definition, acquired);
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
		long acquiredAt = System.nanoTime();
		Deque<NamedLock> stack = heldByAdvice.get();
		acquired.forEach(stack::push);
		Object result;
		try {
			result = invocation.proceed();
		}
		catch (Throwable ex) {
			end(definition, acquired, acquiredAt, ex);
			throw ex;
		}
		finally {
			for (int i = 0; i < acquired.size(); i++) {
				stack.pop();
			}
			if (stack.isEmpty()) {
				heldByAdvice.remove();
			}
		}
		if (definition.completion == Completion.STAGE && result != null) {
			return endWhenComplete((CompletionStage<?>) result, definition, acquired, acquiredAt);
		}
		if (definition.completion == Completion.SEEN_AT_RETURN && result != null) {
			if (result instanceof CompletionStage<?> stage
					&& definition.method.getReturnType().isAssignableFrom(CompletableFuture.class)) {
				return endWhenComplete(stage, definition, acquired, acquiredAt);
			}
			if (result instanceof CompletionStage || result instanceof Future
					|| ReactiveAdapterRegistry.getSharedInstance().getAdapter(result.getClass()) != null) {
				IllegalStateException refused = new IllegalStateException("@DistributedLock on " + definition.where
						+ " returned a " + result.getClass().getName() + ", whose work runs after the method returned, "
						+ "where the lock advice cannot see it end; its locks were released. Declare CompletionStage "
						+ "or CompletableFuture as the return type, which keep their locks until they complete");
				end(definition, acquired, acquiredAt, refused);
				throw refused;
			}
		}
		end(definition, acquired, acquiredAt, null);
		return result;
	}

	private void acquireAll(LockRegistry registry, String backend, String owner, TreeSet<String> names,
			Definition definition, List<NamedLock> acquired) {
		long deadline = System.nanoTime() + definition.waitTime.toNanos();
		for (String name : names) {
			NamedLock lock = (owner != null) ? registry.getLock(name, backend, owner) : registry.getLock(name, backend);
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
	 * The stage the caller gets completes after the locks were released, so that whatever it chains runs outside
	 * them, and carries a loss the release found when the work itself succeeded.
	 */
	private CompletableFuture<Object> endWhenComplete(CompletionStage<?> stage, Definition definition,
			List<NamedLock> acquired, long acquiredAt) {
		CompletableFuture<Object> completion = new CompletableFuture<>();
		stage.whenComplete((value, failure) -> {
			Throwable cause = (failure instanceof CompletionException && failure.getCause() != null) ? failure.getCause()
					: failure;
			try {
				end(definition, acquired, acquiredAt, cause);
			}
			catch (RuntimeException lost) {
				completion.completeExceptionally(lost);
				return;
			}
			if (cause != null) {
				completion.completeExceptionally(cause);
			}
			else {
				completion.complete(value);
			}
		});
		return completion;
	}

	/**
	 * Ends the call's holds: now, or once {@code holdAtLeast} has passed since they were taken. A hold found lost
	 * is reported to the caller at once either way.
	 */
	private void end(Definition definition, List<NamedLock> acquired, long acquiredAt, Throwable methodFailure) {
		long delay = (definition.holdAtLeast != null) ? acquiredAt + definition.holdAtLeast.toNanos() - System.nanoTime()
				: 0;
		if (delay <= 0 || !acquired.stream().allMatch(NamedLock::isHeldByCurrentOwner)
				|| !releaseLater(acquired, definition, delay)) {
			releaseAll(acquired, methodFailure);
		}
	}

	private boolean releaseLater(List<NamedLock> acquired, Definition definition, long delayNanos) {
		Runnable release = () -> {
			try {
				releaseAll(acquired, null);
			}
			catch (RuntimeException ex) {
				logger.warn("Deferred release of the locks of " + definition.where + " failed", ex);
			}
		};
		synchronized (this) {
			if (this.closed) {
				return false;
			}
			if (this.deferredReleases == null) {
				ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, (task) -> {
					Thread thread = new Thread(task, "distcore-lock-hold-at-least");
					thread.setDaemon(true);
					return thread;
				});
				executor.setRemoveOnCancelPolicy(true);
				this.deferredReleases = executor;
			}
			try {
				this.deferredReleases.schedule(release, delayNanos, TimeUnit.NANOSECONDS);
				return true;
			}
			catch (RejectedExecutionException ex) {
				return false;
			}
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
			// A wait that ran out, not an interrupt or a backend that is down.
			if (definition.skipWhenHeld && failure instanceof LockAcquisitionException notAcquired
					&& notAcquired.getCause() == null) {
				if (logger.isDebugEnabled()) {
					logger.debug("Skipped " + definition.where + ": lock '" + notAcquired.getLockName()
							+ "' is held elsewhere");
				}
				return null;
			}
			throw failure;
		}
		LockFailureHandler handler = this.beanFactory.getBean(definition.onFailure, LockFailureHandler.class);
		return handler.handle(definition.method, invocation.getArguments(), failure);
	}

	private Definition definition(Method method, Class<?> targetClass) {
		return this.definitions.computeIfAbsent(new MethodClassKey(method, targetClass),
				(key) -> Optional.ofNullable(define(method, targetClass)))
			.orElse(null);
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
		Duration holdAtLeast = duration(annotation.holdAtLeast(), "holdAtLeast", where);
		if (holdAtLeast != null && leaseTime != null && !leaseTime.isZero() && holdAtLeast.compareTo(leaseTime) > 0) {
			throw new IllegalStateException("@DistributedLock(holdAtLeast = \"" + annotation.holdAtLeast() + "\") on "
					+ where + " is longer than its leaseTime (" + annotation.leaseTime()
					+ "): the lease would end first; give a longer leaseTime or none (watchdog)");
		}
		String backend = resolve(annotation.backend());
		checkBackend(backend, where);
		Class<?> returnType = specific.getReturnType();
		boolean scheduled = AnnotatedElementUtils.hasAnnotation(specific, Scheduled.class)
				|| AnnotatedElementUtils.hasAnnotation(specific, Schedules.class);
		return new Definition(specific, where, annotation.key(), prefix,
				(waitTime != null) ? waitTime : this.defaultWaitTime, leaseTime,
				(holdAtLeast != null && !holdAtLeast.isZero()) ? holdAtLeast : null, backend, annotation.onFailure(),
				completion(specific, where), scheduled && (!returnType.isPrimitive() || returnType == void.class));
	}

	private void checkBackend(String backend, String where) {
		if (backend.isEmpty()) {
			return;
		}
		Set<String> registered = this.registry.get().backends();
		if (!registered.contains(backend)) {
			throw new IllegalStateException("@DistributedLock(backend = \"" + backend + "\") on " + where
					+ " is not a registered lock backend; registered: " + registered);
		}
	}

	/**
	 * How a method's work ends, from its declared return type: the advice can hold locks until a
	 * {@link CompletionStage} completes, but cannot see the end of a reactive pipeline or a plain {@link Future}.
	 */
	private static Completion completion(Method method, String where) {
		if (method.getReturnType() == Object.class || method.getGenericReturnType() instanceof TypeVariable) {
			return Completion.SEEN_AT_RETURN;
		}
		Class<?> returnType = method.getReturnType();
		if (CompletionStage.class.isAssignableFrom(returnType)) {
			if (!returnType.isAssignableFrom(CompletableFuture.class)) {
				throw new IllegalStateException("@DistributedLock on " + where + " returns " + returnType.getName()
						+ ", a CompletionStage that the lock advice cannot return in its place; declare CompletionStage "
						+ "or CompletableFuture, which keep their locks until they complete");
			}
			return Completion.STAGE;
		}
		ReactiveAdapter reactive = ReactiveAdapterRegistry.getSharedInstance().getAdapter(returnType);
		if (reactive != null || Future.class.isAssignableFrom(returnType)) {
			throw new IllegalStateException("@DistributedLock on " + where + " returns " + returnType.getName()
					+ ", whose work runs after the method returned, where the lock advice cannot see it end: the locks "
					+ "would be released too early. Return a CompletableFuture or CompletionStage, which keep their "
					+ "locks until they complete, or take the lock around the blocking part with LockRegistry");
		}
		return Completion.RETURN;
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

	/** When a method's work is over. */
	private enum Completion {

		/** When the method returns. */
		RETURN,

		/** When the stage it returned completes. */
		STAGE,

		/**
		 * When the stage it returned completes, if it returned one, otherwise when it returns: the declared type
		 * ({@code Object} or a type variable) may hold anything.
		 */
		SEEN_AT_RETURN

	}

	private record Definition(Method method, String where, String[] keys, String prefix, Duration waitTime,
			Duration leaseTime, Duration holdAtLeast, String backend, String onFailure, Completion completion,
			boolean skipWhenHeld) {

		/** Whether the holds end on another thread than the one that took them. */
		boolean detached() {
			return this.completion != Completion.RETURN || this.holdAtLeast != null;
		}

	}

}
