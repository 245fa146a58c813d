package io.distcore.tcc;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks the try method of a TCC participant. Called inside a global transaction (directly, or through an
 * inbound TCC call from another service) it runs as a branch: the try, and later its confirm or cancel, each run
 * in a local transaction on the participant's {@code DataSource} together with the branch's barrier row, so
 * repeated, late and missing phases are handled without user code.
 * <p>
 * Confirm and cancel are methods of the same bean taking one {@link TccContext} parameter; they see the try's
 * arguments (stored as JSON, no annotation needed on the parameters) and whatever the try put into its
 * context. Signatures are checked at startup. Called outside any global transaction the try fails with a
 * {@link TccException}: it would otherwise reserve resources nobody ever confirms or cancels.
 */
@Target(ElementType.METHOD)
@Retention(RetentionPolicy.RUNTIME)
@Documented
public @interface TccAction {

	/**
	 * Name of the action, unique in the application; the bean name and method ({@code bean.method}) when empty.
	 * @return the name
	 */
	String name() default "";

	/**
	 * Name of the confirm method on the same bean.
	 * @return the method name
	 */
	String confirmMethod();

	/**
	 * Name of the cancel method on the same bean.
	 * @return the method name
	 */
	String cancelMethod();

}
