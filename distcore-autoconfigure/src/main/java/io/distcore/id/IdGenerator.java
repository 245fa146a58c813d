package io.distcore.id;

/**
 * Hands out unique {@code long} ids. Ids are positive; ids from one generator and tag increase within a
 * process; gaps are allowed (a restart or an unused segment leaves some numbers out). Ids above 2^53 lose
 * precision in JavaScript, so send them to browsers as strings.
 */
public interface IdGenerator {

	/**
	 * The next id of the default sequence.
	 * @return a new id
	 * @throws IdGenerationException if no id can be issued safely now
	 */
	long nextId();

	/**
	 * The next id of a business sequence such as {@code order}; generators without sequences ignore the tag.
	 * @param tag sequence name
	 * @return a new id
	 * @throws IdGenerationException if no id can be issued safely now
	 */
	long nextId(String tag);

	/**
	 * Several ids of one sequence at once, in increasing order.
	 * @param tag sequence name
	 * @param count how many, at least 1
	 * @return the ids
	 * @throws IdGenerationException if not all of them can be issued safely now
	 */
	default long[] nextIds(String tag, int count) {
		if (count < 1) {
			throw new IllegalArgumentException("Count must be at least 1, was " + count);
		}
		long[] ids = new long[count];
		for (int i = 0; i < count; i++) {
			ids[i] = nextId(tag);
		}
		return ids;
	}

}
