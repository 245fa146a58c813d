/**
 * Actuator support for locks: the {@code locks} endpoint, a health indicator and Micrometer meters.
 */
package io.distcore.lock.actuate;
