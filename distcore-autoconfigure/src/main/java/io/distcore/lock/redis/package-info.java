/**
 * The lock backend on one Redis server, through the application's Spring Data Redis connection.
 */
package io.distcore.lock.redis;
