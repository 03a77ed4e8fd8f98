-- The benchmark's data, loaded once into the template database that every
-- run copies. psql variables: skus (checkout catalog), sel_skus and
-- sel_sources (source selection), imp_sources (import targets).
--
--   stock 1, source default   :skus SKUs 'SKU-00001'.. with 10,000,000 units each
--                             (never sold out), one product row each, and the
--                             flash-sale SKU 'FLASH-1' with 1,000 units
--   stock 2                   :sel_sources sources 'sel01'.. with coordinates
--                             over the United States, each holding 0-20 units
--                             of every one of :sel_skus SKUs 'SEL-0001'..
--   stock 3                   :imp_sources sources 'imp01'.., no items: the
--                             import targets
--
--   history                   :history past orders of one unit each, canceled
--                             (balanced reservations), in the extension's tables
--                             and the baselines'
--
-- The Magento and row-locking baselines get the same catalog and quantities.
-- The order history matters: on empty, vacuumed order tables the planner
-- picks sequential scans for the foreign-key checks, and a session keeps
-- those plans while the tables grow during a run.
--
-- DISCARD PLANS before each bulk statement: PL/pgSQL keeps a trigger's plans
-- for the session, made for the row counts of its first call, so each bulk
-- statement gets plans made for its own rows rather than for the small
-- statement before it (BENCHMARKS.md measures that case separately).
\set ON_ERROR_STOP 1
SET client_min_messages = warning;

INSERT INTO inventory.product (sku, name)
SELECT bench.sku(g), 'Product ' || g FROM generate_series(1, :skus) g;
INSERT INTO inventory.product (sku, name) VALUES ('FLASH-1', 'Flash sale product');

DISCARD PLANS;
INSERT INTO inventory.source_item (source_code, sku, quantity, status)
SELECT 'default', bench.sku(g), 10000000, 1 FROM generate_series(1, :skus) g;
INSERT INTO inventory.source_item (source_code, sku, quantity, status)
VALUES ('default', 'FLASH-1', 1000, 1);

INSERT INTO bench.m_stock_index (stock_id, sku, quantity, is_salable)
SELECT 1, bench.sku(g), 10000000, true FROM generate_series(1, :skus) g;
INSERT INTO bench.m_stock_index (stock_id, sku, quantity, is_salable)
VALUES (1, 'FLASH-1', 1000, true);

INSERT INTO bench.s_stock (sku, quantity)
SELECT bench.sku(g), 10000000 FROM generate_series(1, :skus) g;
INSERT INTO bench.s_stock (sku, quantity) VALUES ('FLASH-1', 1000);

-- Source selection: stock 2.
INSERT INTO inventory.stock (name) VALUES ('Selection stock');
INSERT INTO inventory.source (source_code, name, country_code, postcode, latitude, longitude)
SELECT format('sel%s', lpad(g::text, 2, '0')), format('Warehouse %s', g), 'US',
       lpad((g * 1931 % 99999)::text, 5, '0'),
       round((25 + (g * 37 % 23))::numeric + (g % 10) / 10.0, 4),
       round((-123 + (g * 53 % 52))::numeric + (g % 7) / 10.0, 4)
  FROM generate_series(1, :sel_sources) g;
INSERT INTO inventory.stock_source_link (stock_id, source_code, priority)
SELECT 2, format('sel%s', lpad(g::text, 2, '0')), 1 + (g * 7 % :sel_sources)
  FROM generate_series(1, :sel_sources) g;
DISCARD PLANS;
INSERT INTO inventory.source_item (source_code, sku, quantity, status)
SELECT format('sel%s', lpad(src::text, 2, '0')), 'SEL-' || lpad(k::text, 4, '0'),
       (k * 31 + src * 17) % 21, 1
  FROM generate_series(1, :sel_skus) k, generate_series(1, :sel_sources) src;

-- Imports: stock 3.
INSERT INTO inventory.stock (name) VALUES ('Import stock');
INSERT INTO inventory.source (source_code, name, country_code, postcode)
SELECT format('imp%s', lpad(g::text, 2, '0')), format('Import source %s', g), 'US', '10001'
  FROM generate_series(1, :imp_sources) g;
INSERT INTO inventory.stock_source_link (stock_id, source_code, priority)
SELECT 3, format('imp%s', lpad(g::text, 2, '0')), g FROM generate_series(1, :imp_sources) g;

DISCARD PLANS;
-- Order history: placed and canceled.
INSERT INTO inventory.sales_order (order_id, stock_id, increment_id)
SELECT 'h' || g, 1, '' FROM generate_series(1, :history) g;
INSERT INTO inventory.order_item (order_id, line, stock_id, sku, qty_ordered, qty_canceled,
                                  managed, reserves)
SELECT 'h' || g, 1, 1, bench.sku(1 + g % :skus), 1, 1, true, true
  FROM generate_series(1, :history) g;
INSERT INTO inventory.reservation (stock_id, sku, quantity, metadata)
SELECT 1, bench.sku(1 + g % :skus), e.quantity,
       jsonb_build_object('event_type', e.event_type, 'object_type', 'order',
                          'object_id', 'h' || g, 'object_increment_id', '')
  FROM generate_series(1, :history) g
 CROSS JOIN (VALUES ('order_placed', -1), ('order_canceled', 1)) AS e(event_type, quantity)
 ORDER BY g, e.quantity;

INSERT INTO bench.m_order (order_id, stock_id) SELECT 'h' || g, 1 FROM generate_series(1, :history) g;
INSERT INTO bench.m_order_item (order_id, sku, qty_ordered)
SELECT 'h' || g, bench.sku(1 + g % :skus), 1 FROM generate_series(1, :history) g;
INSERT INTO bench.m_reservation (stock_id, sku, quantity, metadata)
SELECT stock_id, sku, quantity, metadata FROM inventory.reservation ORDER BY reservation_id;

INSERT INTO bench.s_order (order_id) SELECT 'h' || g FROM generate_series(1, :history) g;
INSERT INTO bench.s_order_line (order_id, sku, quantity)
SELECT 'h' || g, bench.sku(1 + g % :skus), 1 FROM generate_series(1, :history) g;

INSERT INTO bench.floor_row (client_id, value) SELECT 0, g FROM generate_series(1, :history) g;

VACUUM (ANALYZE);
