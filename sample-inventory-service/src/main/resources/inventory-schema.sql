CREATE TABLE IF NOT EXISTS inventory (
    sku       VARCHAR(64) PRIMARY KEY,
    available INT NOT NULL,
    frozen    INT NOT NULL,
    sold      INT NOT NULL
);

CREATE TABLE IF NOT EXISTS inventory_deduction (
    order_id VARCHAR(64) PRIMARY KEY,
    sku      VARCHAR(64) NOT NULL,
    quantity INT NOT NULL
);
