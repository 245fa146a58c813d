/**
 * Worker id leases kept as ephemeral ZooKeeper nodes, bound to the client's session.
 */
package io.distcore.id.lease.zookeeper;
