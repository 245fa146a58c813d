-- Segment table of the distcore JDBC id generator (H2). One row per tag; max_id is the highest id reserved so
-- far by any process, step the size of the last reservation.
CREATE TABLE IF NOT EXISTS distcore_id_segment (
	tag VARCHAR(128) NOT NULL PRIMARY KEY,
	max_id BIGINT NOT NULL,
	step BIGINT NOT NULL,
	updated_at TIMESTAMP(3) WITH TIME ZONE NOT NULL
)
