package io.distcore.tcc.participant;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.List;

import tools.jackson.databind.JavaType;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.util.ReflectionUtils;

/**
 * One {@link io.distcore.tcc.TccAction} as checked at startup: where its try, confirm and cancel are, and the
 * types its arguments are read back with.
 */
public final class TccActionDefinition {

	private final String name;

	private final String beanName;

	private final Class<?> userClass;

	private final Method tryMethod;

	private final Method confirmMethod;

	private final Method cancelMethod;

	private final List<String> parameterNames;

	private final List<JavaType> parameterTypes;

	TccActionDefinition(String name, String beanName, Class<?> userClass, Method tryMethod, Method confirmMethod,
			Method cancelMethod, List<String> parameterNames, List<JavaType> parameterTypes) {
		this.name = name;
		this.beanName = beanName;
		this.userClass = userClass;
		this.tryMethod = tryMethod;
		this.confirmMethod = confirmMethod;
		this.cancelMethod = cancelMethod;
		this.parameterNames = List.copyOf(parameterNames);
		this.parameterTypes = List.copyOf(parameterTypes);
	}

	/**
	 * The action's name, unique in the application.
	 * @return the name
	 */
	public String name() {
		return this.name;
	}

	/**
	 * The bean whose methods the action runs.
	 * @return the bean name
	 */
	public String beanName() {
		return this.beanName;
	}

	/**
	 * The bean's own class, behind any proxy.
	 * @return the class
	 */
	public Class<?> userClass() {
		return this.userClass;
	}

	/**
	 * The try method as the bean's own class declares it.
	 * @return the method
	 */
	public Method tryMethod() {
		return this.tryMethod;
	}

	/**
	 * The try method's parameter names, {@code arg0}, {@code arg1}... where the class was compiled without them.
	 * @return the names, in order
	 */
	public List<String> parameterNames() {
		return this.parameterNames;
	}

	/**
	 * The try method's parameter types as Jackson reads the stored arguments back, generics resolved.
	 * @return the types, in order
	 */
	public List<JavaType> parameterTypes() {
		return this.parameterTypes;
	}

	Method confirmMethod() {
		return this.confirmMethod;
	}

	Method cancelMethod() {
		return this.cancelMethod;
	}

	/**
	 * Calls confirm or cancel through the bean the application sees, so its proxies (transactions, locks) apply.
	 */
	Object invoke(BeanFactory beanFactory, Method method, Object argument) throws Throwable {
		Object bean = beanFactory.getBean(this.beanName);
		Method invocable = AopUtils.selectInvocableMethod(method, bean.getClass());
		ReflectionUtils.makeAccessible(invocable);
		try {
			return invocable.invoke(bean, argument);
		}
		catch (InvocationTargetException ex) {
			throw ex.getTargetException();
		}
	}

	@Override
	public String toString() {
		return "TccAction[" + this.name + " = bean '" + this.beanName + "' " + this.userClass.getName() + "."
				+ this.tryMethod.getName() + "]";
	}

}
