-- Barrier table of distcore's TCC participants (MariaDB and MySQL). One row per branch and phase, written in the
-- same local transaction as the phase's business work; the primary key is what makes repeated, late and missing
-- phases harmless (insert-first, INSERT IGNORE). origin is TRY for a row the try wrote, CANCEL for the marker an
-- empty rollback wrote so that a late try is refused. created_at is UTC from the participant's clock; binary
-- collation keeps ids case sensitive.
CREATE TABLE IF NOT EXISTS distcore_tcc_barrier (
	xid VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	branch_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	phase VARCHAR(8) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	action VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
	origin VARCHAR(8) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	payload LONGTEXT CHARACTER SET utf8mb4,
	created_at DATETIME(3) NOT NULL,
	PRIMARY KEY (xid, branch_id, phase),
	INDEX distcore_tcc_barrier_created (created_at)
) ENGINE = InnoDB
