package io.distcore.benchmarks.tcc;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
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

	/** Statements by verb and table, both services together: what the per-order counts are made of. */
	static final Map<String, LongAdder> statementKinds = new ConcurrentHashMap<>();

	/** "INSERT INTO bench_x_branch (...)" → "INSERT bench_x_branch"; the benchmark's own suffix is kept. */
	static String kind(String sql) {
		String[] words = sql.trim().replaceAll("\\s+", " ").split(" ");
		String verb = words[0].toUpperCase(Locale.ROOT);
		String table = "?";
		for (int i = 0; i < words.length - 1; i++) {
			String word = words[i].toUpperCase(Locale.ROOT);
			if (word.equals("INTO") || word.equals("FROM") || word.equals("UPDATE") || word.equals("MERGE")) {
				table = words[i + 1];
				break;
			}
		}
		return verb + " " + table;
	}

	static void reset() {
		statementKinds.clear();
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
							if (args != null && args.length > 0 && args[0] instanceof String sql) {
								statementKinds.computeIfAbsent(kind(sql), (key) -> new LongAdder()).increment();
							}
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
