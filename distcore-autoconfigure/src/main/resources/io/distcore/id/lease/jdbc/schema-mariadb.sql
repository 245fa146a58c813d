-- Worker id lease table of distcore (MariaDB and MySQL). One row per slot, kept after release so that
-- last_timestamp survives its holders. expires_at holds UTC (UTC_TIMESTAMP), so sessions with different time
-- zones agree on it; binary collation keeps owners case sensitive.
CREATE TABLE IF NOT EXISTS distcore_worker_lease (
	slot INT NOT NULL PRIMARY KEY,
	owner VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,
	expires_at DATETIME(3),
	last_timestamp BIGINT NOT NULL
) ENGINE = InnoDB
