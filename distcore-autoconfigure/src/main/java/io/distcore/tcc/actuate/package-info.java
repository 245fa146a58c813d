/**
 * Actuator support for TCC transactions: the read-only {@code tcc} endpoint, the {@code tccadmin} write endpoint
 * (off unless access is granted) and a health indicator on the coordinator's log.
 */
package io.distcore.tcc.actuate;
