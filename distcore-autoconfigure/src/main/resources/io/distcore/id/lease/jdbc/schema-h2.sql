-- Worker id lease table of distcore (H2). One row per slot, kept after release so that last_timestamp
-- survives its holders; expires_at is written and judged by the database clock only.
CREATE TABLE IF NOT EXISTS distcore_worker_lease (
	slot INTEGER NOT NULL PRIMARY KEY,
	owner VARCHAR(255),
	expires_at TIMESTAMP(3) WITH TIME ZONE,
	last_timestamp BIGINT NOT NULL
)
