-- The inventory model: sources, stocks, their links, source items, product
-- settings, defaults, postal codes, and the ledger of reservations.
--
-- Every table validates its rows with CHECK constraints whose names say what
-- is wrong, so a bad row is rejected with SQLSTATE 23514 and a readable
-- message, and nothing is written. Rules that span rows (the default source
-- and stock) are enforced by triggers in defaults.sql.

COMMENT ON SCHEMA inventory IS
    'Multi-source inventory: sources, stocks, reservations, salable quantity, source selection';

-- SKUs compare case-insensitively, as in a Magento catalog on MySQL: 'ABC-1'
-- and 'abc-1' are one SKU, and the spelling stored first is kept.
CREATE COLLATION inventory.sku_ci (provider = icu, locale = 'und-u-ks-level2', deterministic = false);
COMMENT ON COLLATION inventory.sku_ci IS
    'Case-insensitive comparison of SKUs (ICU, level 2: case is ignored, accents are not)';

CREATE TABLE inventory.source (
    source_code text PRIMARY KEY
        CONSTRAINT "source code must be 1 to 255 characters without whitespace"
        CHECK (inventory.valid_code(source_code)),
    name text NOT NULL
        CONSTRAINT "source name must not be empty" CHECK (btrim(name) <> ''),
    enabled boolean NOT NULL DEFAULT true,
    description text,
    latitude numeric
        CONSTRAINT "latitude must be between -90 and 90" CHECK (latitude BETWEEN -90 AND 90),
    longitude numeric
        CONSTRAINT "longitude must be between -180 and 180" CHECK (longitude BETWEEN -180 AND 180),
    country_code text NOT NULL
        CONSTRAINT "country code must be two capital letters (ISO 3166-1)"
        CHECK (country_code ~ '^[A-Z]{2}$'),
    region text,
    city text,
    street text,
    postcode text NOT NULL
        CONSTRAINT "postcode must not be empty" CHECK (btrim(postcode) <> ''),
    contact_name text,
    email text,
    phone text,
    is_pickup_location boolean NOT NULL DEFAULT false,
    CONSTRAINT "latitude and longitude go together"
        CHECK ((latitude IS NULL) = (longitude IS NULL))
);
COMMENT ON TABLE inventory.source IS
    'A physical place that holds stock: a warehouse, a store, a drop-shipper';
COMMENT ON COLUMN inventory.source.enabled IS
    'A disabled source contributes nothing to salable quantity and is never selected';
COMMENT ON COLUMN inventory.source.latitude IS
    'Coordinates, used by the distance source-selection algorithm';

CREATE TABLE inventory.stock (
    stock_id integer GENERATED ALWAYS AS IDENTITY (START WITH 2) PRIMARY KEY
        CONSTRAINT "stock id must be positive" CHECK (stock_id > 0),
    name text NOT NULL
        CONSTRAINT "stock name must not be empty" CHECK (btrim(name) <> '')
);
COMMENT ON TABLE inventory.stock IS
    'A virtual pool that sales channels sell from, aggregating the sources linked to it';

CREATE TABLE inventory.stock_sales_channel (
    type text NOT NULL DEFAULT 'website'
        CONSTRAINT "sales channel type must be 'website'" CHECK (type = 'website'),
    code text NOT NULL
        CONSTRAINT "sales channel code must be non-empty without whitespace"
        CHECK (inventory.valid_code(code)),
    stock_id integer NOT NULL REFERENCES inventory.stock,
    PRIMARY KEY (type, code)
);
COMMENT ON TABLE inventory.stock_sales_channel IS
    'Which stock each sales channel (a website code) sells from; a channel belongs to one stock';
CREATE INDEX ON inventory.stock_sales_channel (stock_id);

CREATE TABLE inventory.stock_source_link (
    stock_id integer NOT NULL REFERENCES inventory.stock ON DELETE CASCADE,
    source_code text NOT NULL REFERENCES inventory.source,
    priority integer NOT NULL DEFAULT 1
        CONSTRAINT "priority must be greater than 0" CHECK (priority > 0),
    PRIMARY KEY (stock_id, source_code),
    CONSTRAINT "default source links only to stock 1, stock 1 only to it"
        CHECK ((stock_id = 1) = (source_code = 'default'))
);
COMMENT ON TABLE inventory.stock_source_link IS
    'The sources a stock aggregates; lower priority is used first by source selection';
CREATE INDEX ON inventory.stock_source_link (source_code);

-- A product's stock settings. NULL in any setting means "use inventory.defaults".
CREATE TABLE inventory.product (
    sku text COLLATE inventory.sku_ci PRIMARY KEY
        CONSTRAINT "SKU must be 1 to 64 characters, no surrounding whitespace"
        CHECK (inventory.valid_sku(sku)),
    name text,
    type_id text NOT NULL DEFAULT 'simple'
        CONSTRAINT "type_id must be a Magento product type (simple, bundle, ...)"
        CHECK (type_id IN ('simple', 'virtual', 'downloadable', 'configurable', 'bundle', 'grouped')),
    manage_stock boolean,
    backorders smallint
        CONSTRAINT "backorders must be 0 (no), 1 (allow) or 2 (allow and notify)"
        CHECK (backorders IN (0, 1, 2)),
    min_qty numeric
        CONSTRAINT "min_qty must be finite, below 10^8, at most 4 decimals"
        CHECK (min_qty = round(min_qty, 4) AND abs(min_qty) < 1e8),
    min_sale_qty numeric
        CONSTRAINT "min_sale_qty must be above 0, below 10^8, at most 4 decimals"
        CHECK (min_sale_qty = round(min_sale_qty, 4) AND min_sale_qty > 0 AND min_sale_qty < 1e8),
    max_sale_qty numeric
        CONSTRAINT "max_sale_qty must be 0 (no limit) to 10^8, at most 4 decimals"
        CHECK (max_sale_qty = round(max_sale_qty, 4) AND max_sale_qty >= 0 AND max_sale_qty < 1e8),
    enable_qty_increments boolean,
    qty_increments numeric
        CONSTRAINT "qty_increments must be above 0, below 10^8, at most 4 decimals"
        CHECK (qty_increments = round(qty_increments, 4) AND qty_increments > 0
               AND qty_increments < 1e8),
    is_qty_decimal boolean NOT NULL DEFAULT false,
    notify_stock_qty numeric
        CONSTRAINT "notify_stock_qty must be finite, below 10^8, at most 4 decimals"
        CHECK (notify_stock_qty = round(notify_stock_qty, 4) AND abs(notify_stock_qty) < 1e8)
);
COMMENT ON TABLE inventory.product IS
    'Per-SKU stock settings (Magento''s stock item configuration); NULL settings use inventory.defaults';
COMMENT ON COLUMN inventory.product.min_qty IS
    'Out-of-stock threshold; adapted by backorders (see inventory.salable_quantity.threshold)';
COMMENT ON COLUMN inventory.product.name IS 'The product''s name, for reports such as inventory.low_stock';
COMMENT ON COLUMN inventory.product.type_id IS
    'simple, virtual and downloadable carry source items; configurable, bundle and grouped do not';

-- The one row of global settings, Magento's defaults out of the box.
CREATE TABLE inventory.defaults (
    id boolean PRIMARY KEY DEFAULT true
        CONSTRAINT "inventory.defaults holds exactly one row" CHECK (id),
    manage_stock boolean NOT NULL DEFAULT true,
    backorders smallint NOT NULL DEFAULT 0
        CONSTRAINT "backorders must be 0 (no), 1 (allow) or 2 (allow and notify)"
        CHECK (backorders IN (0, 1, 2)),
    min_qty numeric NOT NULL DEFAULT 0
        CONSTRAINT "min_qty must be finite, below 10^8, at most 4 decimals"
        CHECK (min_qty = round(min_qty, 4) AND abs(min_qty) < 1e8),
    min_sale_qty numeric NOT NULL DEFAULT 1
        CONSTRAINT "min_sale_qty must be above 0, below 10^8, at most 4 decimals"
        CHECK (min_sale_qty = round(min_sale_qty, 4) AND min_sale_qty > 0 AND min_sale_qty < 1e8),
    max_sale_qty numeric NOT NULL DEFAULT 10000
        CONSTRAINT "max_sale_qty must be 0 (no limit) to 10^8, at most 4 decimals"
        CHECK (max_sale_qty = round(max_sale_qty, 4) AND max_sale_qty >= 0 AND max_sale_qty < 1e8),
    enable_qty_increments boolean NOT NULL DEFAULT false,
    qty_increments numeric NOT NULL DEFAULT 1
        CONSTRAINT "qty_increments must be above 0, below 10^8, at most 4 decimals"
        CHECK (qty_increments = round(qty_increments, 4) AND qty_increments > 0
               AND qty_increments < 1e8),
    notify_stock_qty numeric NOT NULL DEFAULT 1
        CONSTRAINT "notify_stock_qty must be finite, below 10^8, at most 4 decimals"
        CHECK (notify_stock_qty = round(notify_stock_qty, 4) AND abs(notify_stock_qty) < 1e8),
    can_subtract boolean NOT NULL DEFAULT true,
    notify_qty_reduces_salable boolean NOT NULL DEFAULT false
);
COMMENT ON TABLE inventory.defaults IS
    'Global stock settings (one row); a product setting left NULL takes its value from here';
COMMENT ON COLUMN inventory.defaults.can_subtract IS
    'Decrease stock when an order is placed; off: orders write no reservations';
COMMENT ON COLUMN inventory.defaults.notify_qty_reduces_salable IS
    'When on (and backorders are off), the notify quantity is also taken off salable quantity';

CREATE TABLE inventory.source_item (
    source_code text NOT NULL REFERENCES inventory.source,
    sku text COLLATE inventory.sku_ci NOT NULL
        CONSTRAINT "SKU must be 1 to 64 characters, no surrounding whitespace"
        CHECK (inventory.valid_sku(sku)),
    quantity numeric NOT NULL DEFAULT 0
        CONSTRAINT "quantity must be finite, below 10^8, at most 4 decimals"
        CHECK (quantity = round(quantity, 4) AND abs(quantity) < 1e8),
    status smallint NOT NULL DEFAULT 1
        CONSTRAINT "status must be 1 (in stock) or 0 (out of stock)" CHECK (status IN (0, 1)),
    notify_stock_qty numeric
        CONSTRAINT "notify_stock_qty must be finite, below 10^8, at most 4 decimals"
        CHECK (notify_stock_qty = round(notify_stock_qty, 4) AND abs(notify_stock_qty) < 1e8),
    PRIMARY KEY (source_code, sku)
);
COMMENT ON TABLE inventory.source_item IS
    'The quantity of one SKU at one source, in stock (status 1) or out of stock (status 0)';
COMMENT ON COLUMN inventory.source_item.notify_stock_qty IS
    'Low-stock level of this item; NULL uses the product''s, else the default';
CREATE INDEX ON inventory.source_item (sku);

CREATE TABLE inventory.geoname (
    country_code text NOT NULL
        CONSTRAINT "country code must be two capital letters (ISO 3166-1)"
        CHECK (country_code ~ '^[A-Z]{2}$'),
    postcode text NOT NULL
        CONSTRAINT "postcode must not be empty" CHECK (btrim(postcode) <> ''),
    city text,
    region text,
    province text,
    latitude numeric NOT NULL
        CONSTRAINT "latitude must be between -90 and 90" CHECK (latitude BETWEEN -90 AND 90),
    longitude numeric NOT NULL
        CONSTRAINT "longitude must be between -180 and 180" CHECK (longitude BETWEEN -180 AND 180),
    region_code text,
    PRIMARY KEY (country_code, postcode)
);
COMMENT ON TABLE inventory.geoname IS
    'Postal codes with coordinates (GeoNames format), to place a destination for source selection';
CREATE INDEX ON inventory.geoname (country_code, lower(city));
CREATE INDEX ON inventory.geoname (country_code, lower(region));
CREATE INDEX ON inventory.geoname (country_code, lower(region_code));

-- Reservations: the append-only ledger of what open orders hold. A negative
-- quantity holds stock, a positive one gives it back; an order's reservations
-- for a (stock, SKU) never sum above 0.
CREATE TABLE inventory.reservation (
    reservation_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stock_id integer NOT NULL,
    sku text COLLATE inventory.sku_ci NOT NULL,
    quantity numeric NOT NULL
        CONSTRAINT "reservation quantity must be non-zero, below 10^8, 4 decimals"
        CHECK (quantity <> 0 AND quantity = round(quantity, 4) AND abs(quantity) < 1e8),
    metadata jsonb NOT NULL DEFAULT '{}'
        CONSTRAINT "reservation metadata must be a JSON object" CHECK (jsonb_typeof(metadata) = 'object'),
    created_at timestamptz NOT NULL DEFAULT now(),
    order_id text GENERATED ALWAYS AS (metadata ->> 'object_id') STORED
);
COMMENT ON TABLE inventory.reservation IS
    'Append-only ledger of stock held by open orders (negative) and given back (positive)';
COMMENT ON COLUMN inventory.reservation.metadata IS
    'event_type (order_placed, order_canceled, shipment_created, creditmemo_created), object_type, object_id, object_increment_id';
COMMENT ON COLUMN inventory.reservation.order_id IS
    'metadata->>''object_id'', kept as a column for indexing';
CREATE INDEX ON inventory.reservation (order_id, stock_id, sku);
CREATE INDEX ON inventory.reservation (stock_id, sku);

-- The kept per-(stock, SKU) figures that salable quantity is computed from.
-- Triggers keep every row in step with the base tables inside each writing
-- transaction (figures.sql), so a lookup reads one row.
CREATE TABLE inventory.stock_sku (
    stock_id integer NOT NULL REFERENCES inventory.stock ON DELETE CASCADE,
    sku text COLLATE inventory.sku_ci NOT NULL,
    quantity numeric NOT NULL DEFAULT 0,
    reserved numeric NOT NULL DEFAULT 0,
    items_assigned integer NOT NULL DEFAULT 0,
    items_enabled integer NOT NULL DEFAULT 0,
    items_in_stock integer NOT NULL DEFAULT 0,
    manage_stock boolean NOT NULL DEFAULT true,
    backorders smallint NOT NULL DEFAULT 0,
    threshold numeric NOT NULL DEFAULT 0,
    salable_qty numeric GENERATED ALWAYS AS (
        CASE WHEN items_in_stock > 0 THEN quantity + reserved - threshold ELSE 0 END
    ) STORED,
    is_salable boolean GENERATED ALWAYS AS (
        items_assigned > 0
        AND (NOT manage_stock
             OR (items_in_stock > 0
                 AND ((backorders > 0 AND threshold >= 0) OR quantity + reserved - threshold > 0)))
    ) STORED,
    PRIMARY KEY (stock_id, sku)
);
COMMENT ON TABLE inventory.stock_sku IS
    'Kept figures per (stock, SKU), maintained by triggers; inventory.figure_differences() checks them';
COMMENT ON COLUMN inventory.stock_sku.quantity IS
    'Sum of in-stock source items in enabled sources linked to the stock';
COMMENT ON COLUMN inventory.stock_sku.reserved IS
    'Sum of the reservations for this (stock, SKU); negative while orders are open';
COMMENT ON COLUMN inventory.stock_sku.items_assigned IS
    'Source items (any status) in sources linked to the stock: above 0 means the SKU is assigned';
COMMENT ON COLUMN inventory.stock_sku.items_enabled IS
    'Source items (any status) in enabled linked sources: above 0 gives a stock_index row';
COMMENT ON COLUMN inventory.stock_sku.items_in_stock IS
    'In-stock source items in enabled linked sources';
COMMENT ON COLUMN inventory.stock_sku.threshold IS
    'Adapted out-of-stock threshold (plus the notify quantity when defaults.notify_qty_reduces_salable)';
CREATE INDEX ON inventory.stock_sku (sku);

-- What source selection reads: per SKU, every in-stock source item, whichever
-- stock its source serves, as two arrays in source-code order. One row per SKU
-- instead of one item per source: selecting for 10 SKUs over 50 sources reads
-- 10 rows, not 500 scattered items. Kept by the source items' triggers
-- (figures.sql) and checked by inventory.figure_differences().
CREATE TABLE inventory.sku_holding (
    sku text COLLATE inventory.sku_ci PRIMARY KEY,
    source_codes text[] NOT NULL,
    units bigint[] NOT NULL
);
COMMENT ON TABLE inventory.sku_holding IS
    'Kept for source selection: the in-stock source items of each SKU, maintained by triggers';
COMMENT ON COLUMN inventory.sku_holding.source_codes IS
    'The sources holding the SKU in stock (status 1), in source-code order';
COMMENT ON COLUMN inventory.sku_holding.units IS
    'Their quantities times 10,000 (a source item has at most 4 decimals), in the same order';

INSERT INTO inventory.defaults DEFAULT VALUES;
INSERT INTO inventory.source (source_code, name, country_code, postcode, description)
VALUES ('default', 'Default Source', 'US', '00000', 'Created with the extension; cannot be disabled or deleted');
INSERT INTO inventory.stock (stock_id, name) OVERRIDING SYSTEM VALUE VALUES (1, 'Default Stock');
INSERT INTO inventory.stock_source_link (stock_id, source_code, priority) VALUES (1, 'default', 1);
INSERT INTO inventory.stock_sales_channel (type, code, stock_id) VALUES ('website', 'base', 1);

-- The ledger of orders: what each order asked for and what has happened to
-- each line since, so that every compensation is checked against what is
-- still open. Written only by the order functions (orders.sql).
CREATE TABLE inventory.sales_order (
    order_id text PRIMARY KEY
        CONSTRAINT "order id must be 1 to 255 characters, no surrounding whitespace"
        CHECK (inventory.valid_id(order_id)),
    stock_id integer NOT NULL REFERENCES inventory.stock,
    increment_id text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE inventory.sales_order IS
    'Orders placed through inventory.place_order, keyed by the caller''s own order id';

CREATE TABLE inventory.order_item (
    order_id text NOT NULL REFERENCES inventory.sales_order,
    line integer NOT NULL,
    stock_id integer NOT NULL,
    sku text COLLATE inventory.sku_ci NOT NULL,
    qty_ordered numeric NOT NULL CHECK (qty_ordered > 0),
    qty_shipped numeric NOT NULL DEFAULT 0 CHECK (qty_shipped >= 0),
    qty_canceled numeric NOT NULL DEFAULT 0 CHECK (qty_canceled >= 0),
    qty_refunded numeric NOT NULL DEFAULT 0 CHECK (qty_refunded >= 0),
    qty_refunded_shipped numeric NOT NULL DEFAULT 0 CHECK (qty_refunded_shipped >= 0),
    backorder_qty numeric NOT NULL DEFAULT 0 CHECK (backorder_qty >= 0),
    managed boolean NOT NULL,
    reserves boolean NOT NULL,
    qty_open numeric GENERATED ALWAYS AS (
        qty_ordered - qty_shipped - qty_canceled - (qty_refunded - qty_refunded_shipped)
    ) STORED,
    PRIMARY KEY (order_id, sku),
    UNIQUE (order_id, line),
    CONSTRAINT "an order line cannot ship, cancel or refund more than ordered"
        CHECK (qty_ordered - qty_shipped - qty_canceled - (qty_refunded - qty_refunded_shipped) >= 0
               AND qty_refunded_shipped <= qty_shipped
               AND qty_refunded_shipped <= qty_refunded)
);
COMMENT ON TABLE inventory.order_item IS
    'Each order line and what has been shipped, canceled and refunded of it';
COMMENT ON COLUMN inventory.order_item.qty_open IS
    'Ordered and neither shipped, canceled nor refunded: what the order still holds';
COMMENT ON COLUMN inventory.order_item.qty_refunded_shipped IS
    'The part of qty_refunded that had shipped (returned to its sources or written off)';
COMMENT ON COLUMN inventory.order_item.managed IS
    'Stock was managed for this SKU when the order was placed: shipments take source quantity';
COMMENT ON COLUMN inventory.order_item.reserves IS
    'The line holds a reservation (managed, and defaults.can_subtract was on)';
CREATE INDEX ON inventory.order_item (stock_id, sku);

CREATE TABLE inventory.shipment (
    shipment_id text PRIMARY KEY
        CONSTRAINT "shipment id must be 1 to 255 characters, no surrounding space"
        CHECK (inventory.valid_id(shipment_id)),
    order_id text NOT NULL REFERENCES inventory.sales_order,
    source_code text NOT NULL REFERENCES inventory.source,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE inventory.shipment IS 'Shipments, each taking goods from one source';
CREATE INDEX ON inventory.shipment (order_id);
CREATE INDEX ON inventory.shipment (source_code);

CREATE TABLE inventory.shipment_item (
    shipment_id text NOT NULL REFERENCES inventory.shipment,
    sku text COLLATE inventory.sku_ci NOT NULL,
    qty numeric NOT NULL CHECK (qty > 0),
    qty_refunded numeric NOT NULL DEFAULT 0 CHECK (qty_refunded >= 0 AND qty_refunded <= qty),
    PRIMARY KEY (shipment_id, sku)
);
COMMENT ON TABLE inventory.shipment_item IS 'The lines of each shipment';
COMMENT ON COLUMN inventory.shipment_item.qty_refunded IS
    'Units of this line refunded since (returned to the source when the refund said so)';

CREATE TABLE inventory.credit_memo (
    credit_memo_id text PRIMARY KEY
        CONSTRAINT "credit memo id must be 1 to 255 chars, no surrounding space"
        CHECK (inventory.valid_id(credit_memo_id)),
    order_id text NOT NULL REFERENCES inventory.sales_order,
    return_to_stock boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE inventory.credit_memo IS 'Refunds, keyed by the caller''s credit memo id';
CREATE INDEX ON inventory.credit_memo (order_id);

CREATE TABLE inventory.credit_memo_item (
    credit_memo_id text NOT NULL REFERENCES inventory.credit_memo,
    sku text COLLATE inventory.sku_ci NOT NULL,
    qty numeric NOT NULL CHECK (qty > 0),
    qty_released numeric NOT NULL CHECK (qty_released >= 0),
    qty_returned numeric NOT NULL CHECK (qty_returned >= 0),
    PRIMARY KEY (credit_memo_id, sku)
);
COMMENT ON TABLE inventory.credit_memo_item IS
    'The lines of each refund: qty_released was never shipped, qty_returned went back to its sources';
