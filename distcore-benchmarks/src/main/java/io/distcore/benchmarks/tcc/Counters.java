package io.distcore.benchmarks.tcc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;

import javax.sql.DataSource;

import jakarta.servlet.Filter;

import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.jdbc.datasource.DelegatingDataSource;

/**
 * Counts that machine noise cannot move: SQL statements sent by each service and HTTP requests the stock
 * service served. Shared by the two contexts of one benchmark JVM.
 */
final class Counters {

	static final LongAdder orderStatements = new LongAdder();

	static final LongAdder stockStatements = new LongAdder();

	static final LongAdder stockRequests = new LongAdder();

	private static final Set<String> STATEMENT_METHODS = Set.of("prepareStatement", "createStatement", "prepareCall");

	private Counters() {
	}

	static void reset() {
		orderStatements.reset();
		stockStatements.reset();
		stockRequests.reset();
	}

	/** Wraps the application's DataSource so that every statement it prepares is counted. */
	static BeanPostProcessor countStatements(LongAdder counter) {
		return new BeanPostProcessor() {
			@Override
			public Object postProcessAfterInitialization(Object bean, String beanName) {
				if (bean instanceof DataSource dataSource && !(bean instanceof CountingDataSource)) {
					return new CountingDataSource(dataSource, counter);
				}
				return bean;
			}
		};
	}

	static Filter countRequests() {
		return (request, response, chain) -> {
			stockRequests.increment();
			chain.doFilter(request, response);
		};
	}

	private static final class CountingDataSource extends DelegatingDataSource {

		private final LongAdder counter;

		CountingDataSource(DataSource target, LongAdder counter) {
			super(target);
			this.counter = counter;
		}

		@Override
		public Connection getConnection() throws SQLException {
			return count(super.getConnection());
		}

		@Override
		public Connection getConnection(String username, String password) throws SQLException {
			return count(super.getConnection(username, password));
		}

		private Connection count(Connection connection) {
			return (Connection) Proxy.newProxyInstance(Connection.class.getClassLoader(), new Class<?>[] { Connection.class },
					(proxy, method, args) -> {
						if (STATEMENT_METHODS.contains(method.getName())) {
							this.counter.increment();
						}
						try {
							return method.invoke(connection, args);
						}
						catch (InvocationTargetException ex) {
							throw ex.getCause();
						}
					});
		}

	}

}
