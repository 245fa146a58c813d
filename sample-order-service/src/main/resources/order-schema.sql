CREATE TABLE IF NOT EXISTS orders (
    order_id BIGINT PRIMARY KEY,
    user_id  VARCHAR(64) NOT NULL,
    sku      VARCHAR(64) NOT NULL,
    quantity INT NOT NULL,
    -- PENDING while its stock is being settled, then CONFIRMED or CANCELLED (with a reason).
    status   VARCHAR(16) NOT NULL,
    reason   VARCHAR(255)
);

-- GET /orders?sku= lists a SKU's orders for reconciliation.
CREATE INDEX IF NOT EXISTS orders_sku ON orders (sku, order_id);
