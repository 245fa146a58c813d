CREATE TABLE IF NOT EXISTS orders (
    order_id BIGINT PRIMARY KEY,
    user_id  VARCHAR(64) NOT NULL,
    sku      VARCHAR(64) NOT NULL,
    quantity INT NOT NULL,
    status   VARCHAR(16) NOT NULL,
    reason   VARCHAR(255)
);
