package io.distcore.lock.aop;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import org.springframework.beans.factory.BeanFactory;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.context.expression.MethodBasedEvaluationContext;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.expression.Expression;
import org.springframework.expression.ExpressionException;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.util.ObjectUtils;

/**
 * Evaluates {@link io.distcore.lock.DistributedLock#key()} expressions. Parameters are visible by name when
 * the class was compiled with {@code -parameters} (or has debug info), and always as {@code #p0}/{@code #a0}.
 */
final class LockKeyEvaluator {

	private final SpelExpressionParser parser = new SpelExpressionParser();

	private final ParameterNameDiscoverer parameterNames = new DefaultParameterNameDiscoverer();

	private final Map<String, Expression> expressions = new ConcurrentHashMap<>();

	private final BeanFactory beanFactory;

	LockKeyEvaluator(BeanFactory beanFactory) {
		this.beanFactory = beanFactory;
	}

	/**
	 * The keys of one call, in annotation order; collections and arrays are flattened.
	 * @throws InvalidLockKeyException if an expression does not parse, fails, or yields null or blank
	 */
	List<String> keys(String[] expressions, Method method, Object[] arguments, Object target) {
		MethodBasedEvaluationContext context = new MethodBasedEvaluationContext(target, method, arguments,
				this.parameterNames);
		if (this.beanFactory != null) {
			context.setBeanResolver(new BeanFactoryResolver(this.beanFactory));
		}
		List<String> keys = new ArrayList<>();
		for (String source : expressions) {
			Object value;
			try {
				value = this.expressions.computeIfAbsent(source, this.parser::parseExpression).getValue(context);
			}
			catch (ExpressionException ex) {
				throw new InvalidLockKeyException(method, source, "it failed: " + ex.getMessage(), ex);
			}
			collect(value, method, source, keys);
		}
		return keys;
	}

	private static void collect(Object value, Method method, String source, List<String> keys) {
		if (value instanceof Collection<?> collection) {
			if (collection.isEmpty()) {
				throw new InvalidLockKeyException(method, source, "it is an empty collection", null);
			}
			collection.forEach((element) -> collect(element, method, source, keys));
			return;
		}
		if (value != null && value.getClass().isArray()) {
			Object[] elements = ObjectUtils.toObjectArray(value);
			if (elements.length == 0) {
				throw new InvalidLockKeyException(method, source, "it is an empty array", null);
			}
			for (Object element : elements) {
				collect(element, method, source, keys);
			}
			return;
		}
		String key = (value != null) ? value.toString() : null;
		if (key == null || key.isBlank()) {
			throw new InvalidLockKeyException(method, source, "it evaluated to " + ((key == null) ? "null" : "a blank string"),
					null);
		}
		keys.add(key);
	}

}
