/**
 * The ZooKeeper lock backend: fair locks as queues of ephemeral sequential nodes, through Curator.
 */
package io.distcore.lock.zookeeper;
