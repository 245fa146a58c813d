-- Stock of one SKU in three buckets: available (can be ordered), frozen (reserved by an order in flight),
-- sold (settled). Reservations move units between buckets and never change their sum; only restocks grow it,
-- and the service keeps that sum within INT so no bucket can overflow.
CREATE TABLE IF NOT EXISTS inventory (
    sku       VARCHAR(64) PRIMARY KEY,
    available INT NOT NULL DEFAULT 0,
    frozen    INT NOT NULL DEFAULT 0,
    sold      INT NOT NULL DEFAULT 0,
    CONSTRAINT inventory_buckets_non_negative CHECK (available >= 0 AND frozen >= 0 AND sold >= 0)
);

-- Databases created before the buckets existed (one INT column per SKU) get them with nothing frozen or sold.
ALTER TABLE inventory ADD COLUMN IF NOT EXISTS frozen INT NOT NULL DEFAULT 0;
ALTER TABLE inventory ADD COLUMN IF NOT EXISTS sold INT NOT NULL DEFAULT 0;
