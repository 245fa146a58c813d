package io.distcore.id.actuate;

import java.time.Duration;
import java.time.Instant;

import io.distcore.id.IdGenerator;
import io.distcore.id.lease.LeasedWorkerId;
import io.distcore.id.segment.SegmentIdGenerator;
import io.distcore.id.snowflake.SnowflakeIdGenerator;
import io.distcore.id.snowflake.SnowflakeLayout;
import io.distcore.id.snowflake.WorkerIdLease;
import io.distcore.support.ActuatorProblems;

import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;
import org.springframework.boot.actuate.endpoint.web.WebEndpointResponse;
import org.springframework.boot.actuate.endpoint.web.annotation.WebEndpoint;

/**
 * {@code /actuator/ids}: the id generator, its snowflake layout with the date ids run out, and the worker
 * identity; {@code GET /actuator/ids/{id}} decodes a snowflake id. Reading it has no side effect: a worker id that
 * is leased on the first id stays unclaimed (no slot, no heartbeat) until the application asks for one.
 */
@WebEndpoint(id = "ids")
public class IdsEndpoint {

	private final IdGenerator generator;

	public IdsEndpoint(IdGenerator generator) {
		this.generator = generator;
	}

	@ReadOperation
	public IdsDescriptor ids() {
		if (this.generator instanceof SnowflakeIdGenerator snowflake) {
			return new IdsDescriptor("snowflake", LayoutDescriptor.of(snowflake.layout()),
					WorkerDescriptor.of(snowflake.lease()));
		}
		String type = (this.generator instanceof SegmentIdGenerator) ? "segment" : this.generator.getClass().getName();
		return new IdsDescriptor(type, null, null);
	}

	/**
	 * The parts of a snowflake id.
	 * @param id the id in decimal
	 * @return its parts, or a 400 problem for text that is no id of this generator's layout
	 */
	@ReadOperation
	public WebEndpointResponse<Object> decode(@Selector String id) {
		if (!(this.generator instanceof SnowflakeIdGenerator snowflake)) {
			return ActuatorProblems.badRequest("Only snowflake ids can be decoded; this generator's ids are plain "
					+ "numbers");
		}
		long value;
		try {
			value = Long.parseLong(id);
		}
		catch (NumberFormatException ex) {
			return ActuatorProblems.badRequest("An id is a decimal number from 0 to " + Long.MAX_VALUE);
		}
		SnowflakeLayout layout = snowflake.layout();
		int belowTimestamp = layout.sequenceBits() + layout.workerBits() + layout.datacenterBits();
		if (value < 0 || (value >>> belowTimestamp) > layout.maxTimestamp()) {
			return ActuatorProblems.badRequest("Id " + value + " is out of range for the layout: ids are 0 to "
					+ layout.compose(layout.maxTimestamp(), layout.maxDatacenterId(), layout.maxWorkerId(),
							layout.maxSequence()));
		}
		return new WebEndpointResponse<>(layout.decode(value));
	}

	/**
	 * What the endpoint shows.
	 *
	 * @param generator {@code snowflake}, {@code segment} or the class of an application's own generator
	 * @param layout the snowflake layout, or {@code null}
	 * @param worker the snowflake worker identity, or {@code null}
	 */
	public record IdsDescriptor(String generator, LayoutDescriptor layout, WorkerDescriptor worker) {
	}

	/**
	 * A snowflake layout.
	 *
	 * @param epoch time of timestamp 0
	 * @param timestampBits bits of the millisecond timestamp
	 * @param datacenterBits bits of the datacenter id
	 * @param workerBits bits of the worker id
	 * @param sequenceBits bits of the per-millisecond sequence
	 * @param workers distinct worker identities
	 * @param idsPerMillisecond ids one worker issues per millisecond at most
	 * @param runsOutAt the last moment an id can be issued
	 */
	public record LayoutDescriptor(Instant epoch, int timestampBits, int datacenterBits, int workerBits,
			int sequenceBits, long workers, long idsPerMillisecond, Instant runsOutAt) {

		static LayoutDescriptor of(SnowflakeLayout layout) {
			return new LayoutDescriptor(layout.epoch(), layout.timestampBits(), layout.datacenterBits(),
					layout.workerBits(), layout.sequenceBits(), layout.workerCount(), layout.maxSequence() + 1,
					layout.runsOutAt());
		}

	}

	/**
	 * The worker identity ids are issued under, read without claiming it.
	 *
	 * @param kind {@code leased} (from a backend, on the first id), {@code fixed} (by configuration) or
	 * {@code none} (no identity: ids cannot be issued)
	 * @param backend store a leased id comes from, or {@code null}
	 * @param claimed whether the identity is taken: always for a fixed one, after the first id for a leased one
	 * @param valid whether ids may be issued under it now
	 * @param validFor how long a leased identity stays valid without another renewal, or {@code null}
	 * @param datacenterId datacenter id once claimed, or {@code null}
	 * @param workerId worker id once claimed, or {@code null}
	 * @param description the identity in words
	 */
	public record WorkerDescriptor(String kind, String backend, boolean claimed, boolean valid, Duration validFor,
			Long datacenterId, Long workerId, String description) {

		static WorkerDescriptor of(WorkerIdLease lease) {
			if (lease instanceof LeasedWorkerId leased) {
				boolean claimed = leased.isClaimed();
				return new WorkerDescriptor("leased", leased.backend(), claimed, leased.isValid(), leased.validFor(),
						claimed ? leased.datacenterId() : null, claimed ? leased.workerId() : null, leased.toString());
			}
			// Any other lease exists from the start: valid means fixed, never valid means there is none.
			boolean valid = lease.isValid();
			return new WorkerDescriptor(valid ? "fixed" : "none", null, valid, valid, null,
					valid ? lease.datacenterId() : null, valid ? lease.workerId() : null, lease.toString());
		}

	}

}
