/**
 * Auto-configuration of TCC transactions: the coordinator, the participant side and the web integration.
 */
package io.distcore.tcc.autoconfigure;
