/**
 * The advice of {@link io.distcore.tcc.TccTransaction} (opens the global transaction and decides it from the
 * method's outcome) and of {@link io.distcore.tcc.TccAction} (enlists a local branch and runs its try behind
 * the barrier).
 */
package io.distcore.tcc.aop;
