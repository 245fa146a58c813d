package io.distcore.tcc.autoconfigure;

import java.time.Duration;

import io.distcore.support.InitializeSchema;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.core.Ordered;
import org.springframework.util.unit.DataSize;

/**
 * TCC transaction settings: coordinator, recovery, retries, participant barrier and security.
 */
@ConfigurationProperties("distcore.tcc")
public class TccProperties {

	/**
	 * Whether TCC transactions are enabled. When false there is no TCC bean at all: no coordinator, recovery,
	 * participant, advice or HTTP integration.
	 */
	private boolean enabled = true;

	/**
	 * When the coordinator's log tables and the participant's barrier table are created: always, embedded (only on an embedded database such as H2) or never.
	 */
	private InitializeSchema initializeSchema = InitializeSchema.EMBEDDED;

	/**
	 * How long the try phase of a @TccTransaction may take when its annotation does not say; recovery cancels a transaction still trying after it.
	 */
	private Duration defaultTimeout = Duration.ofSeconds(60);

	/**
	 * How long phase two of a transaction is retried before the transaction is marked as needing a person; it is never dropped.
	 */
	private Duration maxRetryTime = Duration.ofHours(24);

	/**
	 * How long finished transactions stay in the log, and barrier rows of finished branches stay in the barrier table, before they are deleted in batches.
	 */
	private Duration retention = Duration.ofDays(7);

	/**
	 * Prefix of the coordinator's tables: {prefix}transaction and {prefix}branch.
	 */
	private String tablePrefix = "distcore_tcc_";

	/**
	 * Name of the participant's barrier table.
	 */
	private String barrierTable = "distcore_tcc_barrier";

	/**
	 * Order of the @TccTransaction and @TccAction advice; the default runs them outside @Transactional and @DistributedLock.
	 */
	private int aspectOrder = Ordered.LOWEST_PRECEDENCE - 200;

	private final Retry retry = new Retry();

	private final Recovery recovery = new Recovery();

	private final Security security = new Security();

	private final Participant participant = new Participant();

	private final Coordinator coordinator = new Coordinator();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public InitializeSchema getInitializeSchema() {
		return this.initializeSchema;
	}

	public void setInitializeSchema(InitializeSchema initializeSchema) {
		this.initializeSchema = initializeSchema;
	}

	public Duration getDefaultTimeout() {
		return this.defaultTimeout;
	}

	public void setDefaultTimeout(Duration defaultTimeout) {
		this.defaultTimeout = defaultTimeout;
	}

	public Duration getMaxRetryTime() {
		return this.maxRetryTime;
	}

	public void setMaxRetryTime(Duration maxRetryTime) {
		this.maxRetryTime = maxRetryTime;
	}

	public Duration getRetention() {
		return this.retention;
	}

	public void setRetention(Duration retention) {
		this.retention = retention;
	}

	public String getTablePrefix() {
		return this.tablePrefix;
	}

	public void setTablePrefix(String tablePrefix) {
		this.tablePrefix = tablePrefix;
	}

	public String getBarrierTable() {
		return this.barrierTable;
	}

	public void setBarrierTable(String barrierTable) {
		this.barrierTable = barrierTable;
	}

	public int getAspectOrder() {
		return this.aspectOrder;
	}

	public void setAspectOrder(int aspectOrder) {
		this.aspectOrder = aspectOrder;
	}

	public Retry getRetry() {
		return this.retry;
	}

	public Recovery getRecovery() {
		return this.recovery;
	}

	public Security getSecurity() {
		return this.security;
	}

	public Participant getParticipant() {
		return this.participant;
	}

	public Coordinator getCoordinator() {
		return this.coordinator;
	}

	/**
	 * Back-off of phase-two retries.
	 */
	public static class Retry {

		/**
		 * Wait before the first retry of a failed confirm or cancel.
		 */
		private Duration initialInterval = Duration.ofSeconds(1);

		/**
		 * Factor by which the wait grows after each failed attempt.
		 */
		private double multiplier = 2.0;

		/**
		 * Longest wait between two attempts.
		 */
		private Duration maxInterval = Duration.ofMinutes(5);

		/**
		 * Fraction of each wait chosen at random (0 to 1), so that retries of many transactions spread out.
		 */
		private double jitter = 0.2;

		public Duration getInitialInterval() {
			return this.initialInterval;
		}

		public void setInitialInterval(Duration initialInterval) {
			this.initialInterval = initialInterval;
		}

		public double getMultiplier() {
			return this.multiplier;
		}

		public void setMultiplier(double multiplier) {
			this.multiplier = multiplier;
		}

		public Duration getMaxInterval() {
			return this.maxInterval;
		}

		public void setMaxInterval(Duration maxInterval) {
			this.maxInterval = maxInterval;
		}

		public double getJitter() {
			return this.jitter;
		}

		public void setJitter(double jitter) {
			this.jitter = jitter;
		}
	}

	/**
	 * Recovery of unfinished transactions.
	 */
	public static class Recovery {

		/**
		 * Whether this instance recovers transactions: at startup and then periodically.
		 */
		private boolean enabled = true;

		/**
		 * Time between two recovery runs.
		 */
		private Duration interval = Duration.ofSeconds(10);

		/**
		 * How long an instance owns a transaction it works on; another instance takes it over when the lease runs out (the owner died).
		 */
		private Duration claimLease = Duration.ofSeconds(60);

		/**
		 * Transactions one recovery run works on at most.
		 */
		private int batchSize = 100;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

		public Duration getInterval() {
			return this.interval;
		}

		public void setInterval(Duration interval) {
			this.interval = interval;
		}

		public Duration getClaimLease() {
			return this.claimLease;
		}

		public void setClaimLease(Duration claimLease) {
			this.claimLease = claimLease;
		}

		public int getBatchSize() {
			return this.batchSize;
		}

		public void setBatchSize(int batchSize) {
			this.batchSize = batchSize;
		}
	}

	/**
	 * Authentication of transaction headers and phase-two calls.
	 */
	public static class Security {

		/**
		 * Shared secret of every service taking part in TCC transactions: it signs the transaction headers and the phase-two calls (HMAC-SHA256). At least 32 characters.
		 */
		private String secret;

		/**
		 * Largest difference between a signed request's timestamp and this machine's clock; older and newer requests are refused.
		 */
		private Duration maxClockSkew = Duration.ofMinutes(5);

		/**
		 * Whether to accept a missing or short secret (a WARN is logged at startup). For local development only.
		 */
		private boolean insecureDevelopment = false;

		/**
		 * Largest body of a request carrying TCC headers, a try or a phase-two call: its digest is signed, so a
		 * participant reads it whole and answers 413 above it, and a WebClient initiator buffers it to sign it and
		 * fails the call above it.
		 */
		private DataSize maxBodySize = DataSize.ofMegabytes(1);

		public String getSecret() {
			return this.secret;
		}

		public void setSecret(String secret) {
			this.secret = secret;
		}

		public Duration getMaxClockSkew() {
			return this.maxClockSkew;
		}

		public void setMaxClockSkew(Duration maxClockSkew) {
			this.maxClockSkew = maxClockSkew;
		}

		public boolean isInsecureDevelopment() {
			return this.insecureDevelopment;
		}

		public void setInsecureDevelopment(boolean insecureDevelopment) {
			this.insecureDevelopment = insecureDevelopment;
		}

		public DataSize getMaxBodySize() {
			return this.maxBodySize;
		}

		public void setMaxBodySize(DataSize maxBodySize) {
			this.maxBodySize = maxBodySize;
		}

	}

	/**
	 * Phase-two endpoint of participants and the calls to it.
	 */
	public static class Participant {

		/**
		 * Path under which a participant serves phase two ({path}/confirm, {path}/cancel); the same on every service.
		 */
		private String path = "/distcore/tcc";

		/**
		 * Connect timeout of phase-two calls to remote participants.
		 */
		private Duration connectTimeout = Duration.ofSeconds(2);

		/**
		 * Read timeout of phase-two calls to remote participants.
		 */
		private Duration readTimeout = Duration.ofSeconds(10);

		public String getPath() {
			return this.path;
		}

		public void setPath(String path) {
			this.path = path;
		}

		public Duration getConnectTimeout() {
			return this.connectTimeout;
		}

		public void setConnectTimeout(Duration connectTimeout) {
			this.connectTimeout = connectTimeout;
		}

		public Duration getReadTimeout() {
			return this.readTimeout;
		}

		public void setReadTimeout(Duration readTimeout) {
			this.readTimeout = readTimeout;
		}
	}

	/**
	 * The coordinator's log.
	 */
	public static class Coordinator {

		/**
		 * Longest time one statement on the coordinator's log may take, also when the database stops answering; at least 1s.
		 */
		private Duration queryTimeout = Duration.ofSeconds(5);

		public Duration getQueryTimeout() {
			return this.queryTimeout;
		}

		public void setQueryTimeout(Duration queryTimeout) {
			this.queryTimeout = queryTimeout;
		}

	}

}
