-- Log of the distcore TCC coordinator (MariaDB and MySQL). One row per global transaction and one per branch;
-- every timestamp is UTC written by the coordinator's clock (never the database's), so all columns compare with
-- each other. owner/claim_until is the claim of the instance working on the transaction. Binary collation keeps
-- ids case and space sensitive. The tables' own character set is utf8mb4, whatever the schema's default (often
-- latin1), so names, addresses and error messages in any language can be stored.
CREATE TABLE IF NOT EXISTS distcore_tcc_transaction (
	xid VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
	name VARCHAR(200) NOT NULL,
	state VARCHAR(20) NOT NULL,
	created_at DATETIME(3) NOT NULL,
	timeout_at DATETIME(3) NOT NULL,
	decided_at DATETIME(3),
	finished_at DATETIME(3),
	next_attempt_at DATETIME(3),
	attempts INT NOT NULL,
	owner VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
	claim_until DATETIME(3),
	last_error VARCHAR(1000),
	INDEX distcore_tcc_transaction_due (state, next_attempt_at)
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4;
CREATE TABLE IF NOT EXISTS distcore_tcc_branch (
	xid VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	branch_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
	transport VARCHAR(16) NOT NULL,
	address VARCHAR(500) NOT NULL,
	state VARCHAR(16) NOT NULL,
	attempts INT NOT NULL,
	last_error VARCHAR(1000),
	next_attempt_at DATETIME(3),
	created_at DATETIME(3) NOT NULL,
	PRIMARY KEY (xid, branch_id)
) ENGINE = InnoDB DEFAULT CHARACTER SET utf8mb4
