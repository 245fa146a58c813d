/**
 * The embedded TCC coordinator: the durable log, phase two with back-off, recovery with claims, retention.
 */
package io.distcore.tcc.coordinator;
