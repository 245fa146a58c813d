package io.distcore.tcc.participant;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.distcore.tcc.TccAction;
import io.distcore.tcc.TccContext;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JavaType;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.deser.AbstractDeserializer;
import tools.jackson.databind.deser.bean.BeanDeserializerBase;
import tools.jackson.databind.ser.impl.UnknownSerializer;

import org.springframework.aop.framework.AopProxyUtils;
import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.DefaultParameterNameDiscoverer;
import org.springframework.core.GenericTypeResolver;
import org.springframework.core.MethodIntrospector;
import org.springframework.core.ParameterNameDiscoverer;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.ClassUtils;
import org.springframework.util.ReflectionUtils;
import org.springframework.util.StringUtils;

/**
 * Finds every {@link TccAction} method once all singletons exist and checks it, so that a mistake fails the
 * startup instead of the first phase two: confirm and cancel must exist on the same bean with one
 * {@link TccContext} parameter and be callable through the bean's proxy, names must be unique, and every try
 * parameter type must be writable and readable as JSON with the application's {@link ObjectMapper}. Methods are
 * looked for on the bean's own class (behind proxies); confirm and cancel are called through the bean itself.
 */
public final class TccActionRegistry implements SmartInitializingSingleton {

	/** Width of the barrier table's action column. */
	static final int MAX_NAME_LENGTH = 200;

	private final ConfigurableListableBeanFactory beanFactory;

	private final ObjectMapper objectMapper;

	private final ParameterNameDiscoverer parameterNames = new DefaultParameterNameDiscoverer();

	private final Map<String, TccActionDefinition> byName = new ConcurrentHashMap<>();

	private final Map<String, TccActionDefinition> byMethod = new ConcurrentHashMap<>();

	/**
	 * @param beanFactory where the actions' beans are
	 * @param objectMapper the JSON mapper the try arguments are stored with
	 */
	public TccActionRegistry(ConfigurableListableBeanFactory beanFactory, ObjectMapper objectMapper) {
		this.beanFactory = beanFactory;
		this.objectMapper = objectMapper;
	}

	@Override
	public void afterSingletonsInstantiated() {
		for (String beanName : this.beanFactory.getBeanNamesForType(Object.class, true, false)) {
			if (ScopedProxyUtils.isScopedTarget(beanName)) {
				continue;
			}
			Class<?> type = this.beanFactory.getType(beanName, false);
			if (type == null) {
				continue;
			}
			Class<?> userClass = ClassUtils.getUserClass(type);
			if (Proxy.isProxyClass(type) && this.beanFactory.isSingleton(beanName)) {
				// An interface-based proxy hides its target's class and annotations; singletons exist by now.
				userClass = AopProxyUtils.ultimateTargetClass(this.beanFactory.getBean(beanName));
			}
			Class<?> actionClass = userClass;
			Map<Method, TccAction> methods = MethodIntrospector.selectMethods(actionClass,
					(MethodIntrospector.MetadataLookup<TccAction>) (method) -> AnnotatedElementUtils
						.findMergedAnnotation(method, TccAction.class));
			methods.forEach((method, annotation) -> register(beanName, type, actionClass, method, annotation));
		}
		if (!this.byName.isEmpty() && this.beanFactory.getBeanNamesForType(TccTryRunner.class).length == 0) {
			throw new IllegalStateException("@TccAction methods " + this.byName.keySet() + " need a participant: "
					+ "exactly one DataSource and one PlatformTransactionManager for the barrier table and the local "
					+ "transactions (and spring-jdbc on the class path)");
		}
	}

	/**
	 * The action of a try method as the advice sees it.
	 * @param method the method invoked (maybe an interface's)
	 * @param targetClass class of the target object
	 * @return the action, or {@code null} if none is registered for it
	 */
	public TccActionDefinition forMethod(Method method, Class<?> targetClass) {
		Class<?> userClass = ClassUtils.getUserClass(targetClass);
		Method specific = BridgeMethodResolver.findBridgedMethod(AopUtils.getMostSpecificMethod(method, userClass));
		return this.byMethod.get(key(userClass, specific));
	}

	/**
	 * An action by name.
	 * @param name the action name
	 * @return the action, or {@code null}
	 */
	public TccActionDefinition forName(String name) {
		return this.byName.get(name);
	}

	private void register(String beanName, Class<?> beanType, Class<?> userClass, Method tryMethod,
			TccAction annotation) {
		String where = "@TccAction method " + userClass.getName() + "." + tryMethod.getName() + " of bean '" + beanName
				+ "'";
		String name = StringUtils.hasText(annotation.name()) ? annotation.name()
				: beanName + "." + tryMethod.getName();
		if (name.length() > MAX_NAME_LENGTH) {
			throw new IllegalStateException(where + ": action name '" + name + "' is longer than " + MAX_NAME_LENGTH
					+ " characters");
		}
		Method confirm = phaseMethod(where, "confirmMethod", annotation.confirmMethod(), beanType, userClass);
		Method cancel = phaseMethod(where, "cancelMethod", annotation.cancelMethod(), beanType, userClass);
		List<String> names = new ArrayList<>();
		List<JavaType> types = new ArrayList<>();
		String[] discovered = this.parameterNames.getParameterNames(tryMethod);
		Type[] generic = tryMethod.getGenericParameterTypes();
		for (int i = 0; i < tryMethod.getParameterCount(); i++) {
			String parameter = (discovered != null) ? discovered[i] : "arg" + i;
			JavaType type = this.objectMapper.constructType(GenericTypeResolver.resolveType(generic[i], userClass));
			String problem = jsonProblem(type);
			if (problem != null) {
				throw new IllegalStateException(where + ": parameter '" + parameter + "' (" + type.toCanonical()
						+ ") cannot be stored as JSON for confirm and cancel: " + problem
						+ "; use a type Jackson can write and read back (a record, a bean with a constructor Jackson "
						+ "can use, a String or number)");
			}
			names.add(parameter);
			types.add(type);
		}
		TccActionDefinition definition = new TccActionDefinition(name, beanName, userClass, tryMethod, confirm, cancel,
				names, types);
		TccActionDefinition existing = this.byName.putIfAbsent(name, definition);
		if (existing != null) {
			throw new IllegalStateException(where + ": action name '" + name + "' is already used by " + existing
					+ "; action names must be unique in the application");
		}
		TccActionDefinition sameMethod = this.byMethod.putIfAbsent(key(userClass, tryMethod), definition);
		if (sameMethod != null) {
			throw new IllegalStateException(where + ": the class is also bean '" + sameMethod.beanName()
					+ "'; a class with @TccAction methods may back one bean only, so that a try call tells its action");
		}
	}

	private static Method phaseMethod(String where, String attribute, String methodName, Class<?> beanType,
			Class<?> userClass) {
		Method method = StringUtils.hasText(methodName) ? ReflectionUtils.findMethod(userClass, methodName, TccContext.class)
				: null;
		if (method == null) {
			boolean sameName = StringUtils.hasText(methodName) && Arrays.stream(ReflectionUtils.getAllDeclaredMethods(userClass))
				.anyMatch((candidate) -> candidate.getName().equals(methodName));
			throw new IllegalStateException(where + ": " + attribute + " '" + methodName + "' "
					+ (sameName ? "must take exactly one parameter of type " + TccContext.class.getName()
							: "does not exist on " + userClass.getName() + "; declare it taking one "
									+ TccContext.class.getSimpleName() + " parameter"));
		}
		if (Modifier.isPrivate(method.getModifiers()) || Modifier.isStatic(method.getModifiers())) {
			throw new IllegalStateException(where + ": " + attribute + " '" + methodName
					+ "' must be neither private nor static, so that it runs on the bean through its proxy");
		}
		try {
			AopUtils.selectInvocableMethod(method, beanType);
		}
		catch (IllegalStateException ex) {
			throw new IllegalStateException(where + ": " + attribute + " '" + methodName
					+ "' cannot be called through the bean's proxy " + beanType.getName()
					+ "; declare it on the proxied interface or use class-based proxies", ex);
		}
		return method;
	}

	/**
	 * Why Jackson could not write a value of {@code type} and read it back, or {@code null}. Asks for the
	 * serializer and deserializer Jackson would use, as the stored payload will need both.
	 */
	private String jsonProblem(JavaType type) {
		if (type.getRawClass() == Object.class) {
			return null;
		}
		try {
			ValueSerializer<Object> serializer = this.objectMapper._serializationContext().findValueSerializer(type);
			// Whether or not FAIL_ON_EMPTY_BEANS is on (Jackson 3 turns it off), nothing of the value would be stored.
			if (serializer instanceof UnknownSerializer) {
				return "Jackson finds no properties to write, so confirm and cancel would get an empty value";
			}
			ValueDeserializer<Object> deserializer = this.objectMapper._deserializationContext()
				.findRootValueDeserializer(type);
			if (deserializer instanceof AbstractDeserializer) {
				return "it is abstract and carries no type information, so Jackson cannot tell what to create";
			}
			if (deserializer instanceof BeanDeserializerBase bean && !bean.getValueInstantiator().canInstantiate()) {
				return "Jackson finds no constructor or factory method to create it with";
			}
			return null;
		}
		catch (JacksonException | IllegalArgumentException ex) {
			return ex.getMessage();
		}
	}

	private static String key(Class<?> userClass, Method method) {
		return userClass.getName() + "#" + method.getName() + Arrays.toString(method.getParameterTypes());
	}

}
