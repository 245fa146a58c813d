package io.distcore.lock.zookeeper;

import io.distcore.lock.AbstractLockTortureTests;
import io.distcore.test.TestServices;

class ZooKeeperLockTortureTests extends AbstractLockTortureTests {

	@Override
	protected String[] backendProperties() {
		return new String[] { "distcore.lock.backend=zookeeper",
				"distcore.zookeeper.connect-string=" + TestServices.zookeeper().getConnectString() };
	}

}
