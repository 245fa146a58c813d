-- Lock table of the distcore JDBC lock backend (H2). One row per lock name, kept after release and deleted by
-- the purge once its lease ended long enough ago; the row with the empty name holds the token floor that a
-- purged lock starts again above, so that fencing tokens keep increasing. expires_at is written and judged by
-- the database clock only.
CREATE TABLE IF NOT EXISTS distcore_lock (
	name VARCHAR(255) NOT NULL PRIMARY KEY,
	owner VARCHAR(255),
	token BIGINT NOT NULL,
	expires_at TIMESTAMP(3) WITH TIME ZONE NOT NULL
)
