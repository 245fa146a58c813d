package io.distcore.lock;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;

import org.springframework.core.annotation.AliasFor;

/**
 * Runs the annotated method of a Spring bean only while holding one or more distributed locks.
 * <p>
 * Lock names are {@code prefix + ":" + key} for every key expression. Several keys are acquired in a stable
 * sorted order (so two methods locking the same keys never deadlock) within one shared wait time, and released
 * in reverse order. If any lock cannot be had, those already taken are released and the method does not run.
 * <p>
 * Ordering with {@code @Transactional}: the lock advice runs outside the transaction advice
 * ({@code distcore.lock.aspect-order}), so the lock is taken before the transaction begins and released after it
 * committed; a hold found lost before the commit makes the commit fail and roll back with
 * {@link LockLostException}.
 * <p>
 * Advice runs once per call through the Spring proxy: calls of a bean to itself, and an overriding method
 * calling {@code super}, do not lock again. The attributes are checked when the application starts.
 * <p>
 * Methods that return before their work is done: a method declared to return {@link CompletionStage} or
 * {@link CompletableFuture} keeps its locks until the returned stage completes, and its caller's stage completes
 * once they are released (failed with {@link LockLostException} if a hold was lost meanwhile). Those holds belong
 * to the call, not to a thread, so a nested call does not reenter them. Methods returning a reactive type
 * ({@code Mono}, {@code Flux}, any {@code Publisher}) or a plain {@link Future} are refused at startup: their work
 * runs when subscribed or elsewhere, after the method returned, and the locks would be released before it.
 * <p>
 * Scheduled jobs: on a {@code @Scheduled} method, a run whose locks another node holds is skipped quietly
 * (logged at DEBUG) instead of throwing {@link LockAcquisitionException}; give it {@code waitTime = "0s"} so that it
 * does not wait for the other node's run to end and then run the job again, and {@link #holdAtLeast()} so that a
 * quick run keeps the lock a while. A backend that is down still makes the run fail.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Inherited
@Documented
public @interface DistributedLock {

	/**
	 * SpEL expressions over the method arguments giving the lock keys: {@code #sku}, {@code #p0} or
	 * {@code #a0} (these work without {@code -parameters}), {@code #order.sku},
	 * {@code 'user:' + #userId}. A key that evaluates to {@code null} or blank fails before the method runs. A
	 * collection or array value contributes one lock per element. No key locks the prefix alone.
	 * @return the key expressions
	 */
	String[] key() default {};

	/**
	 * First part of every lock name; defaults to the declaring class's simple name and the method name,
	 * {@code InventoryService.restock}.
	 * @return the prefix
	 */
	@AliasFor("name")
	String prefix() default "";

	/**
	 * Alias for {@link #prefix()}.
	 * @return the prefix
	 */
	@AliasFor("prefix")
	String name() default "";

	/**
	 * How long to wait for the locks, as a duration ({@code 500ms}, {@code 2s}, {@code PT1M}) or a
	 * {@code ${placeholder}}; empty uses {@code distcore.lock.wait-time}.
	 * @return the wait time
	 */
	String waitTime() default "";

	/**
	 * Lease of each lock, in the same format; empty keeps the locks with the watchdog for as long as the method
	 * runs.
	 * @return the lease time
	 */
	String leaseTime() default "";

	/**
	 * Keeps the locks for at least this long after they were taken, even when the method ends sooner (ShedLock's
	 * {@code lockAtLeastFor}), in the same format as {@link #waitTime()}: a quick {@code @Scheduled} run on one node
	 * then keeps the other nodes, whose clocks and triggers may be a little off, from running the same job right
	 * after it. The release is deferred, also after a failed run; a hold found lost when the method ends is
	 * reported at once. Must not exceed an explicit {@link #leaseTime()}. A deferred release does not outlive the
	 * application: at shutdown the hold ends with its lease instead. Empty or zero releases when the method ends.
	 * @return the minimum hold time
	 */
	String holdAtLeast() default "";

	/**
	 * Backend to use instead of the default one: {@code local}, {@code redis}, {@code redlock},
	 * {@code zookeeper}, {@code jdbc}, or the {@link LockBackend#name() name} of an application's own backend.
	 * Checked at startup.
	 * @return the backend name, empty for the default
	 */
	String backend() default "";

	/**
	 * Name of a {@link LockFailureHandler} bean that decides what happens when the locks cannot be had; empty
	 * throws the {@link LockAcquisitionException} or {@link LockBackendUnavailableException}, except that a
	 * {@code @Scheduled} method whose wait ran out is skipped.
	 * @return the handler bean name
	 */
	String onFailure() default "";

}
