package io.distcore.tcc;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

import org.springframework.util.Assert;

/**
 * What a branch's try, confirm and cancel know about it: the transaction, the branch, the action, the try's
 * arguments and the values the try put in. During a try, {@link #current()} returns the context so the try can
 * {@link #put(String, Object) put} values its confirm or cancel will need; they are stored as JSON with the try's
 * barrier row. Confirm and cancel receive the context as their parameter (and through {@link #current()}).
 */
public final class TccContext {

	private static final ThreadLocal<TccContext> CURRENT = new ThreadLocal<>();

	private final String xid;

	private final String branchId;

	private final String actionName;

	private final Phase phase;

	private final List<String> parameterNames;

	private final List<Object> arguments;

	private final Map<String, Object> attributes;

	private final BiFunction<Object, Class<?>, Object> converter;

	/**
	 * @param xid global transaction id
	 * @param branchId branch id
	 * @param actionName the {@link TccAction} name
	 * @param phase phase running now
	 * @param parameterNames the try method's parameter names, in order
	 * @param arguments the try's arguments, typed as the try method declares them
	 * @param attributes values the try put in (JSON values: maps, lists, strings, numbers, booleans)
	 * @param converter turns a JSON value of {@code attributes} into a requested type
	 */
	public TccContext(String xid, String branchId, String actionName, Phase phase, List<String> parameterNames,
			List<Object> arguments, Map<String, Object> attributes, BiFunction<Object, Class<?>, Object> converter) {
		Assert.hasText(xid, "xid must not be empty");
		Assert.hasText(branchId, "branchId must not be empty");
		Assert.hasText(actionName, "actionName must not be empty");
		Assert.notNull(phase, "phase must not be null");
		Assert.isTrue(parameterNames.size() == arguments.size(), "one name per argument");
		this.xid = xid;
		this.branchId = branchId;
		this.actionName = actionName;
		this.phase = phase;
		this.parameterNames = List.copyOf(parameterNames);
		this.arguments = Collections.unmodifiableList(new java.util.ArrayList<>(arguments));
		this.attributes = new LinkedHashMap<>(attributes);
		this.converter = converter;
	}

	/**
	 * The context of the try, confirm or cancel running on this thread.
	 * @return the context, or {@code null} outside a TCC phase
	 */
	public static TccContext current() {
		return CURRENT.get();
	}

	/**
	 * Makes {@code context} the {@link #current()} one until the returned scope is closed. For the participant
	 * side that runs phases; users do not call it.
	 * @param context the context
	 * @return closes the binding, restoring what was bound before
	 */
	public static TccBinding.Scope bind(TccContext context) {
		TccContext previous = CURRENT.get();
		CURRENT.set(context);
		return () -> {
			if (previous == null) {
				CURRENT.remove();
			}
			else {
				CURRENT.set(previous);
			}
		};
	}

	public String xid() {
		return this.xid;
	}

	public String branchId() {
		return this.branchId;
	}

	public String actionName() {
		return this.actionName;
	}

	public Phase phase() {
		return this.phase;
	}

	/**
	 * The try's arguments in declaration order, typed as the try declares them.
	 * @return the arguments
	 */
	public List<Object> arguments() {
		return this.arguments;
	}

	/**
	 * One try argument by position.
	 * @param <T> expected type
	 * @param index position in the try's parameter list
	 * @param type expected type
	 * @return the argument
	 * @throws IndexOutOfBoundsException if the try has no such parameter
	 * @throws ClassCastException if the argument is not a {@code type}
	 */
	public <T> T argument(int index, Class<T> type) {
		return cast(this.arguments.get(index), type);
	}

	/**
	 * One try argument by its parameter name (Boot's build keeps names with {@code -parameters}).
	 * @param <T> expected type
	 * @param name parameter name
	 * @param type expected type
	 * @return the argument
	 * @throws IllegalArgumentException if the try has no parameter of that name
	 */
	public <T> T argument(String name, Class<T> type) {
		int index = this.parameterNames.indexOf(name);
		if (index < 0) {
			throw new IllegalArgumentException(
					"Action " + this.actionName + " has no parameter '" + name + "'; it has " + this.parameterNames);
		}
		return argument(index, type);
	}

	/**
	 * Puts a value for confirm and cancel to read. Only during the try: it is stored with the try's barrier row
	 * as JSON when the try's local transaction commits.
	 * @param key name
	 * @param value JSON-serializable value
	 * @throws IllegalStateException outside the try
	 */
	public void put(String key, Object value) {
		if (this.phase != Phase.TRY) {
			throw new IllegalStateException("Values can only be put during the try, not during " + this.phase);
		}
		Assert.hasText(key, "key must not be empty");
		this.attributes.put(key, value);
	}

	/**
	 * A value the try put in, converted to {@code type}.
	 * @param <T> wanted type
	 * @param key name
	 * @param type wanted type
	 * @return the value, or {@code null} if the try put none
	 */
	public <T> T get(String key, Class<T> type) {
		Object value = this.attributes.get(key);
		if (value == null || type.isInstance(value)) {
			return type.cast(value);
		}
		return type.cast(this.converter.apply(value, type));
	}

	/**
	 * Every value the try put in, as stored.
	 * @return a read-only view
	 */
	public Map<String, Object> attributes() {
		return Collections.unmodifiableMap(this.attributes);
	}

	private static <T> T cast(Object value, Class<T> type) {
		if (value == null) {
			return null;
		}
		if (type.isPrimitive()) {
			@SuppressWarnings("unchecked")
			T boxed = (T) value;
			return boxed;
		}
		return type.cast(value);
	}

	@Override
	public String toString() {
		return "TccContext[xid=" + this.xid + ", branch=" + this.branchId + ", action=" + this.actionName + ", phase="
				+ this.phase + "]";
	}

}
