-- Barrier table of distcore's TCC participants (H2). One row per branch and phase, written in the same local
-- transaction as the phase's business work; the primary key is what makes repeated, late and missing phases
-- harmless (insert-first; a duplicate key fails only its own statement in H2). origin is TRY for a row the try
-- wrote, CANCEL for the marker an empty rollback wrote so that a late try is refused. created_at is UTC from the
-- participant's clock.
CREATE TABLE IF NOT EXISTS distcore_tcc_barrier (
	xid VARCHAR(128) NOT NULL,
	branch_id VARCHAR(64) NOT NULL,
	phase VARCHAR(8) NOT NULL,
	action VARCHAR(200),
	origin VARCHAR(8) NOT NULL,
	payload CHARACTER LARGE OBJECT,
	created_at TIMESTAMP(3) NOT NULL,
	PRIMARY KEY (xid, branch_id, phase)
);
CREATE INDEX IF NOT EXISTS distcore_tcc_barrier_created ON distcore_tcc_barrier (created_at)
