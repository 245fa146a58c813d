package io.distcore.id.autoconfigure;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

import io.distcore.id.snowflake.SnowflakeLayout;
import io.distcore.support.InitializeSchema;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Id generation settings.
 */
@ConfigurationProperties("distcore.id")
public class IdProperties {

	/**
	 * Whether id generation is enabled. When false there is no id bean at all: no IdGenerator, no worker-id
	 * lease.
	 */
	private boolean enabled = true;

	/**
	 * Generator behind the IdGenerator bean.
	 */
	private Generator generator = Generator.SNOWFLAKE;

	private final Snowflake snowflake = new Snowflake();

	private final Segment segment = new Segment();

	private final Redis redis = new Redis();

	private final Jdbc jdbc = new Jdbc();

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Generator getGenerator() {
		return this.generator;
	}

	public void setGenerator(Generator generator) {
		this.generator = generator;
	}

	public Snowflake getSnowflake() {
		return this.snowflake;
	}

	public Segment getSegment() {
		return this.segment;
	}

	public Redis getRedis() {
		return this.redis;
	}

	public Jdbc getJdbc() {
		return this.jdbc;
	}

	/**
	 * Id generators.
	 */
	public enum Generator {

		/** Time-ordered ids from timestamp, worker id and sequence; no I/O per id. */
		SNOWFLAKE,

		/** Segments of a Redis counter per tag (INCRBY step). */
		REDIS,

		/** Segments of a database row per tag (max_id = max_id + step). */
		JDBC;

		/**
		 * Lower-case name as used in configuration.
		 * @return the id
		 */
		public String id() {
			return name().toLowerCase(Locale.ROOT);
		}

	}

	/**
	 * Snowflake settings.
	 */
	public static class Snowflake {

		/**
		 * Bit layout preset: default (41-bit ms timestamp, 5 + 5 worker bits, 12-bit sequence) or seed (the seed
		 * note's layout: 40-bit timestamp, 5 + 5 worker bits, 12-bit sequence, and one spare high bit that stays
		 * 0). Individual bit counts below override it.
		 */
		private Preset preset = Preset.DEFAULT;

		/**
		 * Bits of the millisecond timestamp; with the others they must add up to 63, or 62 with one spare high bit.
		 */
		private Integer timestampBits;

		/**
		 * Bits of the datacenter id.
		 */
		private Integer datacenterBits;

		/**
		 * Bits of the worker id within a datacenter.
		 */
		private Integer workerBits;

		/**
		 * Bits of the per-millisecond sequence.
		 */
		private Integer sequenceBits;

		/**
		 * Time of timestamp 0; must be in the past. Later epochs leave more years before ids run out.
		 */
		private Instant epoch = SnowflakeLayout.DEFAULT_EPOCH;

		/**
		 * Fixed worker id; when set (with datacenter-id) no lease is taken. Unset, a worker id is leased on the
		 * first id from the first backend available: Redis, ZooKeeper, then the database.
		 */
		private Long workerId;

		/**
		 * Fixed datacenter id, used with worker-id.
		 */
		private Long datacenterId;

		/**
		 * Largest backward clock step that is waited out; larger steps raise ClockMovedBackwardsException.
		 */
		private Duration maxBackward = Duration.ofMillis(5);

		/**
		 * Whether each millisecond starts at a random sequence below 100, so that ids of quiet systems are not
		 * all even.
		 */
		private boolean randomFirstSequence = true;

		private final Lease lease = new Lease();

		public Preset getPreset() {
			return this.preset;
		}

		public void setPreset(Preset preset) {
			this.preset = preset;
		}

		public Integer getTimestampBits() {
			return this.timestampBits;
		}

		public void setTimestampBits(Integer timestampBits) {
			this.timestampBits = timestampBits;
		}

		public Integer getDatacenterBits() {
			return this.datacenterBits;
		}

		public void setDatacenterBits(Integer datacenterBits) {
			this.datacenterBits = datacenterBits;
		}

		public Integer getWorkerBits() {
			return this.workerBits;
		}

		public void setWorkerBits(Integer workerBits) {
			this.workerBits = workerBits;
		}

		public Integer getSequenceBits() {
			return this.sequenceBits;
		}

		public void setSequenceBits(Integer sequenceBits) {
			this.sequenceBits = sequenceBits;
		}

		public Instant getEpoch() {
			return this.epoch;
		}

		public void setEpoch(Instant epoch) {
			this.epoch = epoch;
		}

		public Long getWorkerId() {
			return this.workerId;
		}

		public void setWorkerId(Long workerId) {
			this.workerId = workerId;
		}

		public Long getDatacenterId() {
			return this.datacenterId;
		}

		public void setDatacenterId(Long datacenterId) {
			this.datacenterId = datacenterId;
		}

		public Duration getMaxBackward() {
			return this.maxBackward;
		}

		public void setMaxBackward(Duration maxBackward) {
			this.maxBackward = maxBackward;
		}

		public boolean isRandomFirstSequence() {
			return this.randomFirstSequence;
		}

		public void setRandomFirstSequence(boolean randomFirstSequence) {
			this.randomFirstSequence = randomFirstSequence;
		}

		public Lease getLease() {
			return this.lease;
		}

	}

	/**
	 * Snowflake layout presets.
	 */
	public enum Preset {

		/** 1 + 41 ms + 5 datacenter + 5 worker + 12 sequence. */
		DEFAULT,

		/** The seed note's layout: 1 unused + 1 spare (0) + 40 ms + 5 datacenter + 5 machine + 12 sequence. */
		SEED

	}

	/**
	 * Worker id leasing.
	 */
	public static class Lease {

		/**
		 * Backend to lease worker ids from: redis, zookeeper or jdbc. Unset, the first available in that order.
		 */
		private String backend;

		/**
		 * How long a leased worker id stays reserved without a heartbeat; another process may take it over
		 * after that. Ids stop 10% earlier; with ZooKeeper, whose server deletes the lease with the session,
		 * the negotiated session timeout counts instead when it is shorter.
		 */
		private Duration ttl = Duration.ofSeconds(30);

		/**
		 * Interval of the heartbeat that renews the lease and records the last timestamp used.
		 */
		private Duration heartbeat = Duration.ofSeconds(3);

		/**
		 * Prefix of the Redis keys that hold worker id leases.
		 */
		private String keyPrefix = "distcore:id:worker:";

		/**
		 * Table that holds worker id leases.
		 */
		private String tableName = "distcore_worker_lease";

		/**
		 * ZooKeeper path under which worker ids are leased.
		 */
		private String path = "/distcore/id/workers";

		public String getBackend() {
			return this.backend;
		}

		public void setBackend(String backend) {
			this.backend = backend;
		}

		public Duration getTtl() {
			return this.ttl;
		}

		public void setTtl(Duration ttl) {
			this.ttl = ttl;
		}

		public Duration getHeartbeat() {
			return this.heartbeat;
		}

		public void setHeartbeat(Duration heartbeat) {
			this.heartbeat = heartbeat;
		}

		public String getKeyPrefix() {
			return this.keyPrefix;
		}

		public void setKeyPrefix(String keyPrefix) {
			this.keyPrefix = keyPrefix;
		}

		public String getTableName() {
			return this.tableName;
		}

		public void setTableName(String tableName) {
			this.tableName = tableName;
		}

		public String getPath() {
			return this.path;
		}

		public void setPath(String path) {
			this.path = path;
		}

	}

	/**
	 * Settings shared by the segment generators.
	 */
	public static class Segment {

		/**
		 * Ids taken from the backend at a time, per tag.
		 */
		private long step = 1000;

		/**
		 * Share of the current segment used before the next one is fetched in the background.
		 */
		private double prefetchThreshold = 0.1;

		/**
		 * Whether the step grows when segments are used up fast and shrinks when they last long.
		 */
		private boolean dynamicStep = false;

		/**
		 * Largest step dynamic stepping may reach.
		 */
		private long maxStep = 1_000_000;

		/**
		 * A segment used up faster than this doubles the step (with dynamic-step).
		 */
		private Duration fastSegment = Duration.ofMinutes(15);

		/**
		 * A segment lasting longer than this halves the step, not below step (with dynamic-step).
		 */
		private Duration slowSegment = Duration.ofMinutes(30);

		public long getStep() {
			return this.step;
		}

		public void setStep(long step) {
			this.step = step;
		}

		public double getPrefetchThreshold() {
			return this.prefetchThreshold;
		}

		public void setPrefetchThreshold(double prefetchThreshold) {
			this.prefetchThreshold = prefetchThreshold;
		}

		public boolean isDynamicStep() {
			return this.dynamicStep;
		}

		public void setDynamicStep(boolean dynamicStep) {
			this.dynamicStep = dynamicStep;
		}

		public long getMaxStep() {
			return this.maxStep;
		}

		public void setMaxStep(long maxStep) {
			this.maxStep = maxStep;
		}

		public Duration getFastSegment() {
			return this.fastSegment;
		}

		public void setFastSegment(Duration fastSegment) {
			this.fastSegment = fastSegment;
		}

		public Duration getSlowSegment() {
			return this.slowSegment;
		}

		public void setSlowSegment(Duration slowSegment) {
			this.slowSegment = slowSegment;
		}

	}

	/**
	 * Redis segment generator settings.
	 */
	public static class Redis {

		/**
		 * Prefix of the counter keys, one per tag.
		 */
		private String keyPrefix = "distcore:id:seq:";

		public String getKeyPrefix() {
			return this.keyPrefix;
		}

		public void setKeyPrefix(String keyPrefix) {
			this.keyPrefix = keyPrefix;
		}

	}

	/**
	 * Database segment generator settings.
	 */
	public static class Jdbc {

		/**
		 * Table with one row per tag (max id, step).
		 */
		private String tableName = "distcore_id_segment";

		/**
		 * When to create the segment and worker lease tables: always, embedded or never. They are created at their
		 * first use (the first segment, the first worker id claim), never at startup.
		 */
		private InitializeSchema initializeSchema = InitializeSchema.EMBEDDED;

		/**
		 * Longest time one segment statement may run; at least 1s.
		 */
		private Duration queryTimeout = Duration.ofSeconds(5);

		public String getTableName() {
			return this.tableName;
		}

		public void setTableName(String tableName) {
			this.tableName = tableName;
		}

		public InitializeSchema getInitializeSchema() {
			return this.initializeSchema;
		}

		public void setInitializeSchema(InitializeSchema initializeSchema) {
			this.initializeSchema = initializeSchema;
		}

		public Duration getQueryTimeout() {
			return this.queryTimeout;
		}

		public void setQueryTimeout(Duration queryTimeout) {
			this.queryTimeout = queryTimeout;
		}

	}

}
