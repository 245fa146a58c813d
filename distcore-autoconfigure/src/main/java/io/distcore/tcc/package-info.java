/**
 * TCC transactions as a user sees them: {@link io.distcore.tcc.TccTransaction}, {@link io.distcore.tcc.TccAction},
 * the {@link io.distcore.tcc.TccContext} confirm and cancel receive, exceptions, and the small contracts between
 * the coordinator, the participant side and the transports ({@link io.distcore.tcc.TccBinding},
 * {@link io.distcore.tcc.TccParticipant}, {@link io.distcore.tcc.BranchTransport}).
 */
package io.distcore.tcc;
