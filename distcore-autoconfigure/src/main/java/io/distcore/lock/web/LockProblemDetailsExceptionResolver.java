package io.distcore.lock.web;

import java.lang.reflect.Method;
import java.util.List;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.web.accept.ContentNegotiationManager;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.method.annotation.ExceptionHandlerMethodResolver;
import org.springframework.web.servlet.HandlerExceptionResolver;
import org.springframework.web.servlet.ModelAndView;
import org.springframework.web.servlet.mvc.method.annotation.ExceptionHandlerExceptionResolver;
import org.springframework.web.servlet.mvc.method.annotation.ServletInvocableHandlerMethod;

/**
 * Answers a {@link io.distcore.lock.LockAcquisitionException} in a Spring MVC request with 409 and a
 * {@link io.distcore.lock.LockBackendUnavailableException} with 503, as {@code application/problem+json}.
 * <p>
 * It is a resolver of its own, ordered after Spring MVC's (which run every {@code @ExceptionHandler}), rather than a
 * {@code @ControllerAdvice}: advice beans of equal order are consulted in registration order, so an application
 * advice of default order could lose to distcore's depending on how its bean happened to be registered. Here
 * every handler of the application wins, whatever its order, a catch-all {@code @ExceptionHandler(Exception.class)}
 * included.
 */
public final class LockProblemDetailsExceptionResolver implements HandlerExceptionResolver, Ordered {

	private final ExceptionHandlerExceptionResolver delegate;

	/**
	 * Creates a resolver that writes its answers the way Spring MVC writes a handler's.
	 * @param messageConverters the converters of Spring MVC's handler adapter
	 * @param contentNegotiationManager Spring MVC's content negotiation
	 */
	public LockProblemDetailsExceptionResolver(List<HttpMessageConverter<?>> messageConverters,
			ContentNegotiationManager contentNegotiationManager) {
		LockProblemDetails handler = new LockProblemDetails();
		ExceptionHandlerMethodResolver methods = new ExceptionHandlerMethodResolver(LockProblemDetails.class);
		// Without an application context the delegate collects no advice beans: it knows distcore's handler only.
		this.delegate = new ExceptionHandlerExceptionResolver() {

			@Override
			protected ServletInvocableHandlerMethod getExceptionHandlerMethod(HandlerMethod handlerMethod,
					Exception exception, ServletWebRequest webRequest) {
				Method method = methods.resolveMethod(exception);
				return (method != null) ? new ServletInvocableHandlerMethod(handler, method) : null;
			}

		};
		this.delegate.setMessageConverters(messageConverters);
		this.delegate.setContentNegotiationManager(contentNegotiationManager);
		this.delegate.afterPropertiesSet();
	}

	@Override
	public ModelAndView resolveException(HttpServletRequest request, HttpServletResponse response, Object handler,
			Exception ex) {
		return this.delegate.resolveException(request, response, handler, ex);
	}

	/**
	 * After Spring MVC's composite resolver (order 0) and any resolver of the application with a set order.
	 * @return {@link Ordered#LOWEST_PRECEDENCE}
	 */
	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

}
