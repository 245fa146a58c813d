package io.distcore.lock;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

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
 * calling {@code super}, do not lock again.
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
	 * Backend to use instead of the default one: {@code local}, {@code redis}, {@code redlock},
	 * {@code zookeeper} or {@code jdbc}.
	 * @return the backend name, empty for the default
	 */
	String backend() default "";

	/**
	 * Name of a {@link LockFailureHandler} bean that decides what happens when the locks cannot be had; empty
	 * throws the {@link LockAcquisitionException} or {@link LockBackendUnavailableException}.
	 * @return the handler bean name
	 */
	String onFailure() default "";

}
