package io.distcore.lock.autoconfigure;

import io.distcore.lock.LockRegistry;
import io.distcore.lock.web.LockProblemDetailsExceptionResolver;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication.Type;
import org.springframework.context.annotation.Bean;
import org.springframework.web.accept.ContentNegotiationManager;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter;

/**
 * Problem details for lock failures in Spring MVC requests.
 */
@AutoConfiguration(after = LockAutoConfiguration.class,
		afterName = "org.springframework.boot.webmvc.autoconfigure.WebMvcAutoConfiguration")
@ConditionalOnWebApplication(type = Type.SERVLET)
@ConditionalOnClass(name = "org.springframework.web.servlet.DispatcherServlet")
@ConditionalOnBean(type = "org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerAdapter",
		value = LockRegistry.class)
@ConditionalOnBooleanProperty(name = "distcore.lock.web.problem-details.enabled", matchIfMissing = true)
public final class LockWebAutoConfiguration {

	@Bean
	@ConditionalOnMissingBean
	LockProblemDetailsExceptionResolver lockProblemDetailsExceptionResolver(RequestMappingHandlerAdapter mvc,
			ObjectProvider<ContentNegotiationManager> contentNegotiation) {
		return new LockProblemDetailsExceptionResolver(mvc.getMessageConverters(),
				contentNegotiation.getIfUnique(ContentNegotiationManager::new));
	}

}
