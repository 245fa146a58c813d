package io.distcore.tcc;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Opens a global TCC transaction around the annotated method. Every {@link TccAction} the method reaches, in
 * this process or in another service over an HTTP client built from Boot's builders, becomes a branch. If the
 * method returns normally every branch is confirmed; if it throws, every branch is cancelled. The decision is
 * durable in the coordinator's log before the method returns; phase two then runs at once, and recovery finishes
 * whatever fails in it.
 * <p>
 * Inside a global transaction that is already active on the thread the method joins it. Inside a branch that
 * another service's transaction opened (an inbound TCC call) it fails: distcore's transactions have one level.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface TccTransaction {

	/**
	 * Name of the transaction in the log, the endpoint and the metrics; the method's
	 * {@code SimpleClassName.method} when empty.
	 * @return the name
	 */
	String name() default "";

	/**
	 * How long the try phase may take before recovery cancels the transaction, as a {@code Duration} string
	 * ({@code 30s}, {@code PT30S}); {@code distcore.tcc.default-timeout} when empty.
	 * @return the timeout
	 */
	String timeout() default "";

}
