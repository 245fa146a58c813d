package io.distcore.lock.redlock;

import java.util.stream.Collectors;

import io.distcore.lock.AbstractLockTortureTests;
import io.distcore.test.TestServices;

class RedLockTortureTests extends AbstractLockTortureTests {

	@Override
	protected String[] backendProperties() {
		String nodes = TestServices.redlockNodes().stream().map((node) -> node.uri()).collect(Collectors.joining(","));
		// A shared 2-core machine answers slower than a production network: the per-node timeout is raised, since a
		// round in which fewer than a majority answer in time fails at once.
		return new String[] { "distcore.lock.backend=redlock", "distcore.lock.redlock.nodes=" + nodes,
				"distcore.lock.redlock.node-timeout=1s" };
	}

}
