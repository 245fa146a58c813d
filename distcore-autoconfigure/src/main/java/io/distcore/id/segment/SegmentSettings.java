package io.distcore.id.segment;

import java.time.Duration;

/**
 * How a {@link SegmentIdGenerator} sizes and refills its segments. With {@code dynamicStep} the step follows the
 * demand as in Meituan's Leaf: a segment that lasted less than {@code fastSegment} doubles the step of the next
 * one (up to {@code maxStep}), one that lasted more than {@code slowSegment} halves it (down to {@code step}).
 *
 * @param step ids reserved per fetch, and the smallest step dynamic stepping goes down to; at least 1
 * @param prefetchThreshold share of a segment used before the next one is fetched in the background, from 0
 * (at once) to 1 (when the last id is taken)
 * @param dynamicStep whether the step follows the demand
 * @param maxStep largest step dynamic stepping may reach, at least {@code step}
 * @param fastSegment a segment lasting less than this doubles the step
 * @param slowSegment a segment lasting more than this halves the step, at least {@code fastSegment}
 */
public record SegmentSettings(long step, double prefetchThreshold, boolean dynamicStep, long maxStep,
		Duration fastSegment, Duration slowSegment) {

	/** Largest step: doubling it must not overflow. */
	public static final long MAX_STEP = Long.MAX_VALUE / 4;

	public SegmentSettings {
		if (step < 1 || step > MAX_STEP) {
			throw new IllegalArgumentException("Step must be between 1 and " + MAX_STEP + ", was " + step);
		}
		if (!(prefetchThreshold >= 0 && prefetchThreshold <= 1)) {
			throw new IllegalArgumentException("Prefetch threshold must be between 0 and 1, was " + prefetchThreshold);
		}
		if (maxStep < step || maxStep > MAX_STEP) {
			throw new IllegalArgumentException(
					"Max step must be between step (" + step + ") and " + MAX_STEP + ", was " + maxStep);
		}
		if (fastSegment == null || fastSegment.isNegative()) {
			throw new IllegalArgumentException("Fast segment must not be negative, was " + fastSegment);
		}
		if (slowSegment == null || slowSegment.compareTo(fastSegment) < 0) {
			throw new IllegalArgumentException(
					"Slow segment must be at least fast segment (" + fastSegment + "), was " + slowSegment);
		}
	}

	/**
	 * Settings with a fixed step.
	 * @param step ids reserved per fetch
	 * @param prefetchThreshold share of a segment used before the next one is fetched
	 * @return the settings
	 */
	public static SegmentSettings fixed(long step, double prefetchThreshold) {
		return new SegmentSettings(step, prefetchThreshold, false, step, Duration.ofMinutes(15), Duration.ofMinutes(30));
	}

}
