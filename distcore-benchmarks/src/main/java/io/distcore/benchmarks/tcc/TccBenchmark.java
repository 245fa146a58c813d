package io.distcore.benchmarks.tcc;

import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

import com.zaxxer.hikari.HikariDataSource;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Orders per second on PostgreSQL: a TCC global transaction (local order branch plus remote stock branch over
 * HTTP) against the same two services making the same writes with no protection (the ceiling). After each
 * measurement iteration the SQL statements of each service and the HTTP requests per order are printed: those
 * counts do not depend on the machine's load.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 5, time = 10)
@Measurement(iterations = 5, time = 10)
@Fork(1)
@Threads(8)
public class TccBenchmark {

	@Benchmark
	public void tcc(Services services) {
		services.flow().placeWithTcc(services.nextOrderId(), "B1");
		services.orders.increment();
	}

	@Benchmark
	public void unprotected(Services services) {
		services.flow().placeUnprotected(services.nextOrderId(), "B1");
		services.orders.increment();
	}

	/** The two services on PostgreSQL, with tables of their own. */
	@State(Scope.Benchmark)
	public static class Services {

		private final String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 8);

		private final AtomicLong sequence = new AtomicLong();

		final LongAdder orders = new LongAdder();

		private HikariDataSource admin;

		private ConfigurableApplicationContext stock;

		private ConfigurableApplicationContext order;

		private Shop.OrderFlow flow;

		@Setup(Level.Trial)
		public void start() {
			String url = System.getProperty("distcore.benchmark.postgres-url", "jdbc:postgresql://127.0.0.1:5432/test");
			this.admin = new HikariDataSource();
			this.admin.setJdbcUrl(url);
			this.admin.setUsername("postgres");
			JdbcTemplate jdbc = new JdbcTemplate(this.admin);
			jdbc.execute("create table bench_stock_" + this.suffix
					+ " (sku varchar(64) primary key, available bigint not null, frozen bigint not null, sold bigint not null)");
			jdbc.execute("create table bench_order_" + this.suffix
					+ " (id varchar(64) primary key, sku varchar(64) not null, quantity int not null, status varchar(16) not null)");
			jdbc.update("insert into bench_stock_" + this.suffix + " values ('B1', 1000000000000, 0, 0)");
			String[] common = { "spring.datasource.url=" + url, "spring.datasource.username=postgres",
					"spring.datasource.hikari.maximum-pool-size=16", "shop.stock-table=bench_stock_" + this.suffix,
					"shop.order-table=bench_order_" + this.suffix, "distcore.lock.backend=local",
					"distcore.tcc.initialize-schema=always", "distcore.tcc.table-prefix=bench_" + this.suffix + "_",
					"distcore.tcc.security.secret=benchmark-secret-0123456789abcdefghijklmnop",
					"distcore.tcc.recovery.interval=1h", "spring.main.banner-mode=off", "logging.level.root=WARN" };
			this.stock = new SpringApplicationBuilder(Shop.StockService.class).web(WebApplicationType.SERVLET)
				.properties(common)
				.properties("server.port=0", "distcore.tcc.barrier-table=bench_" + this.suffix + "_sbarrier")
				.run();
			String stockPort = this.stock.getEnvironment().getProperty("local.server.port");
			this.order = new SpringApplicationBuilder(Shop.OrderService.class).web(WebApplicationType.SERVLET)
				.properties(common)
				.properties("server.port=0", "shop.stock-url=http://127.0.0.1:" + stockPort,
						"distcore.tcc.barrier-table=bench_" + this.suffix + "_obarrier")
				.run();
			this.flow = this.order.getBean(Shop.OrderFlow.class);
		}

		@Setup(Level.Iteration)
		public void resetCounts() {
			Counters.reset();
			this.orders.reset();
		}

		@TearDown(Level.Iteration)
		public void printCounts() {
			double orders = Math.max(1, this.orders.sum());
			System.out.printf("%n[counts] orders=%d order-service SQL/order=%.2f stock-service SQL/order=%.2f "
					+ "HTTP requests/order=%.2f%n", this.orders.sum(), Counters.orderStatements.sum() / orders,
					Counters.stockStatements.sum() / orders, Counters.stockRequests.sum() / orders);
			Counters.statementKinds.entrySet()
				.stream()
				.sorted(Map.Entry.comparingByKey())
				.forEach((kind) -> System.out.printf("[counts]   %-60s %.2f/order%n", kind.getKey(),
						kind.getValue().sum() / orders));
		}

		@TearDown(Level.Trial)
		public void stop() {
			this.order.close();
			this.stock.close();
			JdbcTemplate jdbc = new JdbcTemplate(this.admin);
			for (String table : new String[] { "bench_stock_" + this.suffix, "bench_order_" + this.suffix,
					"bench_" + this.suffix + "_transaction", "bench_" + this.suffix + "_branch",
					"bench_" + this.suffix + "_sbarrier", "bench_" + this.suffix + "_obarrier" }) {
				jdbc.execute("drop table if exists " + table);
			}
			this.admin.close();
		}

		Shop.OrderFlow flow() {
			return this.flow;
		}

		String nextOrderId() {
			return this.suffix + "-" + this.sequence.incrementAndGet();
		}

	}

}
