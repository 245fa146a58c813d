package io.distcore.lock.redis;

/**
 * Lua shared by the Redis and RedLock backends' scripts.
 */
public final class LockTokenScripts {

	/**
	 * Draws the next fencing token into the local {@code token}: {@code INCR} of the one counter of all names
	 * ({@code KEYS[2]}), kept above the per-name counter ({@code KEYS[3]}) that versions before it incremented, so
	 * that tokens keep increasing across the upgrade. Runs inside a script, atomically with what the script does to
	 * the lock key.
	 */
	public static final String NEXT_TOKEN = """
			local token = redis.call('incr', KEYS[2])
			local old = tonumber(redis.call('get', KEYS[3]) or 0)
			if old >= token then
				token = old + 1
				redis.call('set', KEYS[2], token)
			end
			""";

	private LockTokenScripts() {
	}

}
