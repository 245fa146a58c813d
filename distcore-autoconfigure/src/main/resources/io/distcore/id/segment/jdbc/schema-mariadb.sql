-- Segment table of the distcore JDBC id generator (MariaDB and MySQL). One row per tag; max_id is the highest
-- id reserved so far by any process, step the size of the last reservation. Binary collation keeps tags case
-- and space sensitive.
CREATE TABLE IF NOT EXISTS distcore_id_segment (
	tag VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL PRIMARY KEY,
	max_id BIGINT NOT NULL,
	step BIGINT NOT NULL,
	updated_at DATETIME(3) NOT NULL
) ENGINE = InnoDB
