-- Log of the distcore TCC coordinator (H2). One row per global transaction and one per branch; every
-- timestamp is UTC written by the coordinator's clock (never the database's), so all columns compare with each
-- other. owner/claim_until is the claim of the instance working on the transaction.
CREATE TABLE IF NOT EXISTS distcore_tcc_transaction (
	xid VARCHAR(128) NOT NULL PRIMARY KEY,
	name VARCHAR(200) NOT NULL,
	state VARCHAR(20) NOT NULL,
	created_at TIMESTAMP(3) NOT NULL,
	timeout_at TIMESTAMP(3) NOT NULL,
	decided_at TIMESTAMP(3),
	finished_at TIMESTAMP(3),
	next_attempt_at TIMESTAMP(3),
	attempts INT NOT NULL,
	owner VARCHAR(200),
	claim_until TIMESTAMP(3),
	last_error VARCHAR(1000)
);
CREATE INDEX IF NOT EXISTS distcore_tcc_transaction_due ON distcore_tcc_transaction (state, next_attempt_at);
CREATE TABLE IF NOT EXISTS distcore_tcc_branch (
	xid VARCHAR(128) NOT NULL,
	branch_id VARCHAR(64) NOT NULL,
	transport VARCHAR(16) NOT NULL,
	address VARCHAR(500) NOT NULL,
	state VARCHAR(16) NOT NULL,
	attempts INT NOT NULL,
	last_error VARCHAR(1000),
	next_attempt_at TIMESTAMP(3),
	created_at TIMESTAMP(3) NOT NULL,
	PRIMARY KEY (xid, branch_id)
)
