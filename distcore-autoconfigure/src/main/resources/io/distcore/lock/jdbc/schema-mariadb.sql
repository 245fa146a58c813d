-- Lock table of the distcore JDBC lock backend (MariaDB and MySQL). One row per lock name, kept after release
-- and deleted by the purge once its lease ended long enough ago; the row with the empty name holds the token
-- floor that a purged lock starts again above, so that fencing tokens keep increasing. expires_at holds UTC
-- (UTC_TIMESTAMP), so sessions with different time zones agree on it; binary collation keeps names and owners
-- case and space sensitive.
CREATE TABLE IF NOT EXISTS distcore_lock (
	name VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
	owner VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
	token BIGINT NOT NULL,
	expires_at DATETIME(3) NOT NULL
) ENGINE = InnoDB
