package io.distcore.tcc.participant;

import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import javax.sql.DataSource;

import io.distcore.autoconfigure.DistcoreAutoConfiguration;
import io.distcore.lock.DistributedLock;
import io.distcore.lock.LockRegistry;
import io.distcore.lock.autoconfigure.LockAutoConfiguration;
import io.distcore.tcc.Phase;
import io.distcore.tcc.TccAction;
import io.distcore.tcc.TccBinding;
import io.distcore.tcc.TccBinding.InboundBranch;
import io.distcore.tcc.TccContext;
import io.distcore.tcc.TccException;
import io.distcore.tcc.TccParticipant;
import io.distcore.tcc.autoconfigure.TccAutoConfiguration;
import io.distcore.test.JdbcEndpoint;
import io.distcore.test.TestServices;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import tools.jackson.core.JsonGenerator;
import tools.jackson.core.JsonParser;
import tools.jackson.databind.DeserializationContext;
import tools.jackson.databind.SerializationContext;
import tools.jackson.databind.ValueDeserializer;
import tools.jackson.databind.ValueSerializer;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * What the application's @TccAction methods must look like, checked when the context starts: each mistake fails
 * the startup naming the bean, the method and, for arguments, the parameter.
 */
class TccActionRegistryTests {

	private final JdbcEndpoint h2 = TestServices.h2("tcc-registry-" + UUID.randomUUID());

	private final String barrierTable = "tcc_registry_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);

	private DriverManagerDataSource dataSource;

	private ApplicationContextRunner runner;

	@BeforeEach
	void setUp() {
		this.dataSource = new DriverManagerDataSource(this.h2.url(), this.h2.username(), this.h2.password());
		this.runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
					DataSourceTransactionManagerAutoConfiguration.class, TccAutoConfiguration.class))
			.withPropertyValues("distcore.tcc.barrier-table=" + this.barrierTable,
					"distcore.tcc.security.secret=participant-tests-secret-0123456789abcdef");
	}

	@AfterEach
	void dropTable() {
		new JdbcTemplate(this.dataSource).execute("DROP TABLE IF EXISTS " + this.barrierTable);
	}

	private ApplicationContextRunner withDatabase() {
		return this.runner.withBean("dataSource", DataSource.class, () -> this.dataSource);
	}

	@Test
	void aMissingConfirmMethodFailsTheStartupNamingIt() {
		withDatabase().withBean("payments", MissingConfirm.class).run((context) -> assertStartupFailure(context,
				"MissingConfirm.charge of bean 'payments'", "confirmMethod 'commit' does not exist"));
	}

	@Test
	void aCancelMethodWithTheWrongParametersFailsTheStartup() {
		withDatabase().withBean("payments", WrongCancel.class).run((context) -> assertStartupFailure(context,
				"WrongCancel.charge of bean 'payments'", "cancelMethod 'undo' must take exactly one parameter of type "
						+ TccContext.class.getName()));
	}

	@Test
	void aPrivateConfirmMethodFailsTheStartup() {
		withDatabase().withBean("payments", PrivateConfirm.class)
			.run((context) -> assertStartupFailure(context, "bean 'payments'", "must be neither private nor static"));
	}

	@Test
	void twoActionsWithTheSameNameFailTheStartup() {
		withDatabase().withBean("first", Named.class).withBean("second", AlsoNamed.class)
			.run((context) -> assertStartupFailure(context, "action name 'charge' is already used"));
	}

	@Test
	void aParameterJacksonCannotWriteFailsTheStartupNamingIt() {
		withDatabase().withBean("uploads", StreamParameter.class).run((context) -> assertStartupFailure(context,
				"StreamParameter.upload of bean 'uploads'", "parameter 'content' (java.io.InputStream)",
				"cannot be stored as JSON"));
	}

	@Test
	void aParameterJacksonCannotCreateFailsTheStartupNamingIt() {
		withDatabase().withBean("money", MoneyParameter.class).run((context) -> assertStartupFailure(context,
				"MoneyParameter.pay of bean 'money'", "parameter 'amount'", "cannot be stored as JSON"));
	}

	@Test
	void anAbstractParameterWithoutTypeInformationFailsTheStartup() {
		withDatabase().withBean("shapes", AbstractParameter.class).run((context) -> assertStartupFailure(context,
				"parameter 'shape'", "abstract"));
	}

	@Test
	void theApplicationsJsonMapperDecidesWhatCanBeStored() {
		SimpleModule money = new SimpleModule().addSerializer(Money.class, new MoneySerializer())
			.addDeserializer(Money.class, new MoneyDeserializer());
		withDatabase().withBean("money", MoneyParameter.class)
			.withBean(JsonMapper.class, () -> JsonMapper.builder().addModule(money).build())
			.run((context) -> {
				assertThat(context).hasNotFailed();
				try (TccBinding.Scope scope = TccBinding.bind(new InboundBranch("x-json", "1"))) {
					context.getBean(MoneyParameter.class).pay(new Money(1234));
				}
				context.getBean(TccParticipant.class).complete("x-json", "1", Phase.CONFIRM);
				assertThat(context.getBean(MoneyParameter.class).confirmed()).isEqualTo(1234);
			});
	}

	@Test
	void actionsWithoutADataSourceFailTheStartup() {
		this.runner.withBean("named", Named.class)
			.run((context) -> assertStartupFailure(context, "[charge] need a participant", "DataSource"));
	}

	@Test
	void actionsWithoutSpringJdbcFailTheStartup() {
		withDatabase().withClassLoader(new FilteredClassLoader(JdbcTemplate.class))
			.withBean("named", Named.class)
			.run((context) -> assertStartupFailure(context, "[charge] need a participant"));
	}

	@Test
	void anApplicationWithoutActionsNeedsNoDataSource() {
		this.runner.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(TccParticipant.class));
	}

	@Test
	void startingTouchesNoDatabaseEvenWhenTheSchemaIsToBeCreated() {
		withDatabase().withBean("named", Named.class)
			.withPropertyValues("distcore.tcc.initialize-schema=always")
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(TccParticipant.class);
				assertThat(tableExists()).isFalse();
				context.getBean(TccParticipant.class).complete("x-lazy", "1", Phase.CANCEL);
				assertThat(tableExists()).isTrue();
			});
	}

	@Test
	void anInvalidBarrierTableNameFailsTheStartup() {
		withDatabase().withBean("named", Named.class)
			.withPropertyValues("distcore.tcc.barrier-table=barrier; DROP TABLE x")
			.run((context) -> assertStartupFailure(context, "distcore.tcc.barrier-table"));
	}

	@Test
	void behindAnInterfaceProxyConfirmAndCancelMustBeOnTheInterface() {
		withDatabase().withPropertyValues("spring.aop.proxy-target-class=false")
			.withBean("charging", Charging.class, ChargingWithHiddenCancel::new)
			.run((context) -> assertStartupFailure(context, "ChargingWithHiddenCancel.charge of bean 'charging'",
					"cancelMethod 'rollback' cannot be called through the bean's proxy"));
	}

	@Test
	void behindAnInterfaceProxyTheActionRunsAndConfirmGoesThroughTheProxy() {
		withDatabase().withPropertyValues("spring.aop.proxy-target-class=false")
			.withBean("charging", Charging.class, ChargingOnInterface::new)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				Charging charging = context.getBean(Charging.class);
				assertThat(java.lang.reflect.Proxy.isProxyClass(charging.getClass())).isTrue();
				try (TccBinding.Scope scope = TccBinding.bind(new InboundBranch("x-jdk", "1"))) {
					charging.charge("acct-1");
				}
				context.getBean(TccParticipant.class).complete("x-jdk", "1", Phase.CONFIRM);
				assertThat(charging.confirmed()).isEqualTo("acct-1");
			});
	}

	@Test
	void aLockedTransactionalActionRunsItsTryAndConfirmThroughAllItsProxies() {
		withDatabase()
			.withConfiguration(AutoConfigurations.of(DistcoreAutoConfiguration.class, LockAutoConfiguration.class))
			.withPropertyValues("distcore.lock.backend=local")
			.withBean("locked", LockedAction.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				LockedAction locked = context.getBean(LockedAction.class);
				try (TccBinding.Scope scope = TccBinding.bind(new InboundBranch("x-locked", "1"))) {
					locked.reserve("A1");
				}
				context.getBean(TccParticipant.class).complete("x-locked", "1", Phase.CONFIRM);
				assertThat(locked.log()).containsExactly("try A1 locked=true tx=true", "confirm A1 locked=true tx=true");
			});
	}

	@Test
	void aMissingBarrierTableFailsThePhaseNamingTheWayOut() {
		withDatabase().withBean("named", Named.class)
			.withPropertyValues("distcore.tcc.initialize-schema=never")
			.run((context) -> assertThatExceptionOfType(TccException.class)
				.isThrownBy(() -> context.getBean(TccParticipant.class).complete("x-none", "1", Phase.CANCEL))
				.withMessageContaining(this.barrierTable)
				.withMessageContaining("distcore.tcc.initialize-schema=always")
				.withMessageContaining("barrier-h2.sql"));
	}

	@Test
	void aTypeVariableParameterIsReadBackAsTheBeansActualType() {
		withDatabase().withBean("items", ItemAction.class).run((context) -> {
			assertThat(context).hasNotFailed();
			try (TccBinding.Scope scope = TccBinding.bind(new InboundBranch("x-generic", "1"))) {
				context.getBean(ItemAction.class).reserve(List.of(new Piece("bolt", 3)));
			}
			context.getBean(TccParticipant.class).complete("x-generic", "1", Phase.CANCEL);
			assertThat(context.getBean(ItemAction.class).cancelled()).containsExactly(new Piece("bolt", 3));
		});
	}

	private boolean tableExists() {
		return new JdbcTemplate(this.dataSource).queryForObject(
				"SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE UPPER(TABLE_NAME) = UPPER(?)", Integer.class,
				this.barrierTable) > 0;
	}

	private static void assertStartupFailure(AssertableApplicationContext context, String... fragments) {
		assertThat(context).hasFailed();
		Throwable failure = context.getStartupFailure();
		while (failure.getCause() != null && !(failure instanceof IllegalStateException)) {
			failure = failure.getCause();
		}
		for (String fragment : fragments) {
			assertThat(failure).hasMessageContaining(fragment);
		}
	}

	public record Piece(String name, int count) {
	}

	public abstract static class GenericAction<T> {

		private final List<Object> cancelled = new java.util.concurrent.CopyOnWriteArrayList<>();

		@TccAction(confirmMethod = "commit", cancelMethod = "rollback")
		public void reserve(List<T> values) {
		}

		public void commit(TccContext context) {
		}

		public void rollback(TccContext context) {
			this.cancelled.addAll(context.argument("values", List.class));
		}

		public List<Object> cancelled() {
			return this.cancelled;
		}

	}

	public static class ItemAction extends GenericAction<Piece> {

	}

	interface Charging {

		void charge(String account);

		void commit(TccContext context);

		String confirmed();

	}

	static class ChargingWithHiddenCancel implements Charging {

		@Override
		@TccAction(confirmMethod = "commit", cancelMethod = "rollback")
		public void charge(String account) {
		}

		@Override
		public void commit(TccContext context) {
		}

		public void rollback(TccContext context) {
		}

		@Override
		public String confirmed() {
			return null;
		}

	}

	interface ChargingPhases extends Charging {

		void rollback(TccContext context);

	}

	static class ChargingOnInterface implements ChargingPhases {

		private volatile String confirmed;

		@Override
		@TccAction(confirmMethod = "commit", cancelMethod = "rollback")
		public void charge(String account) {
		}

		@Override
		public void commit(TccContext context) {
			this.confirmed = context.argument("account", String.class);
		}

		@Override
		public void rollback(TccContext context) {
		}

		@Override
		public String confirmed() {
			return this.confirmed;
		}

	}

	@Transactional
	static class LockedAction {

		private final List<String> log = new java.util.concurrent.CopyOnWriteArrayList<>();

		@Autowired
		private LockRegistry locks;

		@DistributedLock(key = "#sku")
		@TccAction(confirmMethod = "commit", cancelMethod = "rollback")
		public void reserve(String sku) {
			record("try " + sku);
		}

		@DistributedLock(name = "commit")
		public void commit(TccContext context) {
			record("confirm " + context.argument("sku", String.class));
		}

		public void rollback(TccContext context) {
		}

		public List<String> log() {
			return this.log;
		}

		private void record(String what) {
			this.log.add(what + " locked=" + !this.locks.holds().isEmpty()
					+ " tx=" + TransactionSynchronizationManager.isActualTransactionActive());
		}

	}

	static class MissingConfirm {

		@TccAction(confirmMethod = "commit", cancelMethod = "rollback")
		public void charge(String account) {
		}

		public void rollback(TccContext context) {
		}

	}

	static class WrongCancel {

		@TccAction(confirmMethod = "commit", cancelMethod = "undo")
		public void charge(String account) {
		}

		public void commit(TccContext context) {
		}

		public void undo(String account) {
		}

	}

	static class PrivateConfirm {

		@TccAction(confirmMethod = "commit", cancelMethod = "rollback")
		public void charge(String account) {
		}

		private void commit(TccContext context) {
		}

		public void rollback(TccContext context) {
		}

	}

	public static class Named {

		@TccAction(name = "charge", confirmMethod = "commit", cancelMethod = "rollback")
		public void charge(String account, Map<String, List<Long>> amounts) {
		}

		public void commit(TccContext context) {
		}

		public void rollback(TccContext context) {
		}

	}

	static class AlsoNamed {

		@TccAction(name = "charge", confirmMethod = "commit", cancelMethod = "rollback")
		public void pay(String account) {
		}

		public void commit(TccContext context) {
		}

		public void rollback(TccContext context) {
		}

	}

	static class StreamParameter {

		@TccAction(confirmMethod = "commit", cancelMethod = "rollback")
		public void upload(String name, InputStream content) {
		}

		public void commit(TccContext context) {
		}

		public void rollback(TccContext context) {
		}

	}

	/** No properties, no creator: Jackson can neither write nor read it without the application's help. */
	static final class Money {

		private final long cents;

		Money(long cents) {
			this.cents = cents;
		}

		long cents() {
			return this.cents;
		}

	}

	static class MoneyParameter {

		private volatile long confirmed;

		public long confirmed() {
			return this.confirmed;
		}

		@TccAction(confirmMethod = "commit", cancelMethod = "rollback")
		public void pay(Money amount) {
		}

		public void commit(TccContext context) {
			this.confirmed = context.argument("amount", Money.class).cents();
		}

		public void rollback(TccContext context) {
		}

	}

	abstract static class Shape {

		public int sides;

	}

	static class AbstractParameter {

		@TccAction(confirmMethod = "commit", cancelMethod = "rollback")
		public void draw(Shape shape) {
		}

		public void commit(TccContext context) {
		}

		public void rollback(TccContext context) {
		}

	}

	static final class MoneySerializer extends ValueSerializer<Money> {

		@Override
		public void serialize(Money value, JsonGenerator gen, SerializationContext ctxt) {
			gen.writeNumber(value.cents());
		}

	}

	static final class MoneyDeserializer extends ValueDeserializer<Money> {

		@Override
		public Money deserialize(JsonParser p, DeserializationContext ctxt) {
			return new Money(p.getLongValue());
		}

	}

}
