/**
 * Service registration and discovery in ZooKeeper: ephemeral instance nodes, watched by clients.
 */
package io.distcore.loadbalancer.zookeeper;
