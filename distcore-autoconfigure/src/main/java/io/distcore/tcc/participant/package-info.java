/**
 * The participant side of TCC transactions: the registry of {@link io.distcore.tcc.TccAction} methods checked
 * at startup, the barrier table that makes repeated, late and missing phases harmless, and the local runs of
 * try, confirm and cancel.
 */
package io.distcore.tcc.participant;
