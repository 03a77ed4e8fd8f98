-- The demo of the inventory extension, run by scripts/demo.sh in a fresh database:
--
--   psql -X -q -v ON_ERROR_STOP=1 -v catalog_path=/absolute/path/catalog.csv -f demo/demo.sql
--
-- The story of a small outdoor-gear shop moving its Magento stock into PostgreSQL:
-- import a catalog export, open two US warehouses behind a second stock, move stock
-- there, read salable quantities, take orders, ship one, cancel one, and set up a flash
-- sale. This is the first part: scripts/demo.sh then runs the flash sale with concurrent
-- psql processes (demo/flash_buyer.sql) and demo/after.sql reports on it, ships by
-- distance, exports and imports stock, and checks that every kept figure still matches
-- a recomputation.
--
-- Any catalog in Magento's catalog_product format works (demo/catalog.csv, or the
-- 1,994-row Magento sample): the SKUs the orders use are picked from the data.
-- A few extra steps run only when the catalog has the demo catalog's rope and kayak.

\set QUIET on
\pset footer off
\pset null '-'
-- Thousands separators in numeric columns (psql falls back to ',' in the C locale).
\pset numericlocale on
SET client_min_messages = warning;
SELECT clock_timestamp() AS demo_started \gset

\echo
\echo '=== 1. Install the extension'
CREATE EXTENSION inventory;
SELECT extversion AS "inventory version" FROM pg_extension WHERE extname = 'inventory';

\echo
\echo '=== 2. Import the Magento catalog export'
-- psql reads the file on the client side, so the server's user never needs the path.
-- A missing file would read as an empty string, hence the check first.
\if :{?catalog_path}
\else
\set catalog_path demo/catalog.csv
\endif
\set catalog_found `test -r :'catalog_path' && echo true || echo false`
\if :catalog_found
\else
SELECT set_config('demo.catalog_path', :'catalog_path', false) AS catalog_path \gset
DO $$
BEGIN
    RAISE EXCEPTION 'catalog % is not readable', current_setting('demo.catalog_path')
        USING HINT = 'Run scripts/demo.sh [CATALOG.csv] or pass psql -v catalog_path=FILE.';
END;
$$;
\endif
\set catalog `cat :'catalog_path'`
SELECT clock_timestamp() AS import_started \gset

SELECT :'catalog_path' AS catalog,
       pg_size_pretty(octet_length(:'catalog')::bigint) AS size,
       i.products, i.source_items AS "source items",
       round(extract(epoch FROM clock_timestamp() - :'import_started'::timestamptz) * 1000)
           AS "import ms"
  FROM inventory.import_legacy_catalog(:'catalog') AS i;
\unset catalog

\echo
-- Products whose export row set a stock setting of its own (use_config_* = 0).
CREATE TEMP VIEW own_settings AS
SELECT p.* FROM inventory.product p
 WHERE p.manage_stock IS NOT NULL OR p.backorders IS NOT NULL OR p.min_qty IS NOT NULL
    OR p.min_sale_qty IS NOT NULL OR p.max_sale_qty IS NOT NULL
    OR p.enable_qty_increments IS NOT NULL OR p.is_qty_decimal OR p.notify_stock_qty IS NOT NULL;

\echo 'What landed: settings in inventory.product, quantities on the default source.'
SELECT count(*) AS products,
       count(*) FILTER (WHERE p.type_id IN ('simple', 'virtual', 'downloadable')) AS "simple",
       count(*) FILTER (WHERE p.type_id IN ('configurable', 'bundle', 'grouped')) AS composite,
       (SELECT count(*) FROM inventory.source_item) AS "source items",
       (SELECT count(*) FROM inventory.source_item WHERE status = 1) AS "in stock",
       (SELECT trim_scale(sum(quantity)) FROM inventory.source_item) AS "total quantity",
       (SELECT count(*) FROM own_settings) AS "own settings"
  FROM inventory.product p;

SELECT count(*) > 0 AS has_own_settings FROM own_settings \gset
\if :has_own_settings
\echo
\echo 'Products with their own stock settings (- means "use the default"):'
SELECT o.sku, o.type_id AS type, o.manage_stock AS managed, o.backorders,
       o.min_qty AS "min qty", o.min_sale_qty AS "min sale", o.max_sale_qty AS "max sale",
       o.qty_increments AS increments, o.is_qty_decimal AS "decimal",
       o.notify_stock_qty AS notify
  FROM own_settings o
 ORDER BY o.sku
 LIMIT 12;
\endif

\echo
\echo '=== 3. Two US warehouses behind a second stock, "US Retail", sold on website us_web'
INSERT INTO inventory.source (source_code, name, description, country_code, region, city, street,
                              postcode, latitude, longitude, contact_name, email, phone,
                              is_pickup_location)
VALUES ('us_nj_newark', 'Newark Warehouse', 'East Coast fulfilment, next to Newark airport',
        'US', 'New Jersey', 'Newark', '1000 Frelinghuysen Avenue', '07114', 40.7090, -74.1960,
        'Dana Kowalski', 'newark@ridgeline-outfitters.example', '+1 973 555 0142', false),
       ('us_ca_la', 'Los Angeles Warehouse', 'West Coast fulfilment and will-call counter',
        'US', 'California', 'Los Angeles', '2050 East 7th Street', '90021', 34.0339, -118.2294,
        'Luis Ortega', 'la@ridgeline-outfitters.example', '+1 213 555 0187', true);

INSERT INTO inventory.stock (name) VALUES ('US Retail') RETURNING stock_id AS us_stock \gset
INSERT INTO inventory.stock_sales_channel (type, code, stock_id) VALUES ('website', 'us_web', :us_stock);
-- Newark ships first, Los Angeles second (lower priority is used first).
INSERT INTO inventory.stock_source_link (stock_id, source_code, priority)
VALUES (:us_stock, 'us_nj_newark', 1), (:us_stock, 'us_ca_la', 2);

SELECT st.stock_id AS stock, st.name AS "stock name",
       (SELECT string_agg(c.code, ', ') FROM inventory.stock_sales_channel c
         WHERE c.stock_id = st.stock_id) AS "sales channels",
       l.priority, s.source_code AS source, s.city || ', ' || s.region || ' ' || s.postcode AS place,
       s.latitude, s.longitude
  FROM inventory.stock st
  JOIN inventory.stock_source_link l ON l.stock_id = st.stock_id
  JOIN inventory.source s ON s.source_code = l.source_code
 ORDER BY st.stock_id, l.priority;

\echo
\echo '=== 4. Move stock: 40% of every item to Newark, 20% to Los Angeles'
-- Whole units for products sold in whole units; decimal products (sold by the metre)
-- keep their fractions. Each warehouse item takes the default item's status. Set-based:
-- one INSERT ... SELECT and one UPDATE, whatever the size of the catalog.
BEGIN;
CREATE TEMP TABLE move_plan ON COMMIT DROP AS
SELECT si.sku, si.status,
       trim_scale(CASE WHEN p.is_qty_decimal THEN round(greatest(si.quantity, 0) * 0.4, 4)
                       ELSE floor(greatest(si.quantity, 0) * 0.4) END) AS to_newark,
       trim_scale(CASE WHEN p.is_qty_decimal THEN round(greatest(si.quantity, 0) * 0.2, 4)
                       ELSE floor(greatest(si.quantity, 0) * 0.2) END) AS to_la
  FROM inventory.source_item si
  LEFT JOIN inventory.product p ON p.sku = si.sku
 WHERE si.source_code = 'default';

INSERT INTO inventory.source_item (source_code, sku, quantity, status)
SELECT w.source_code, m.sku, w.quantity, m.status
  FROM move_plan m
 CROSS JOIN LATERAL (VALUES ('us_nj_newark', m.to_newark), ('us_ca_la', m.to_la))
       AS w(source_code, quantity);

UPDATE inventory.source_item si
   SET quantity = si.quantity - m.to_newark - m.to_la
  FROM move_plan m
 WHERE si.source_code = 'default' AND si.sku = m.sku
   AND m.to_newark + m.to_la > 0;
COMMIT;

SELECT s.source_code AS source, s.name, count(si.sku) AS items,
       count(si.sku) FILTER (WHERE si.status = 1) AS "in stock",
       trim_scale(coalesce(sum(si.quantity), 0)) AS quantity
  FROM inventory.source s
  LEFT JOIN inventory.source_item si ON si.source_code = s.source_code
 GROUP BY s.source_code, s.name
 ORDER BY s.source_code <> 'default', quantity DESC;

\echo
\echo '=== 5. Salable quantity per stock (inventory.salable_quantity)'
\echo 'salable = quantity (in-stock items of linked sources) + reserved - threshold'
\echo
\echo 'Top 15 SKUs by salable quantity in each stock:'
SELECT q.stock_id AS stock, q.sku, trim_scale(q.quantity) AS quantity,
       trim_scale(q.reserved) AS reserved, trim_scale(q.threshold) AS threshold,
       trim_scale(q.salable_qty) AS salable, q.is_salable AS "salable?"
  FROM (SELECT q.*, row_number() OVER (PARTITION BY q.stock_id
                                       ORDER BY q.salable_qty DESC, q.sku) AS rank
          FROM inventory.salable_quantity q) q
 WHERE q.rank <= 15
 ORDER BY q.stock_id, q.rank;

\echo 'Totals per stock:'
SELECT st.stock_id AS stock, st.name, count(q.sku) AS skus,
       count(q.sku) FILTER (WHERE q.is_salable) AS "salable skus",
       trim_scale(coalesce(sum(q.quantity), 0)) AS "total quantity",
       trim_scale(coalesce(sum(q.salable_qty), 0)) AS "total salable"
  FROM inventory.stock st
  LEFT JOIN inventory.salable_quantity q ON q.stock_id = st.stock_id
 GROUP BY st.stock_id, st.name
 ORDER BY st.stock_id;

\echo
\echo '=== 6. A storefront asks: which stock does us_web sell from, and can it sell this?'
SELECT c.code AS "sales channel", inventory.stock_by_sales_channel(c.code) AS stock
  FROM inventory.stock_sales_channel c
 ORDER BY 2;
SELECT inventory.stock_by_sales_channel('us_web') AS web_stock \gset

-- The SKUs the orders below use, picked from the data so that any catalog works:
-- the two most plentiful plain simple products on us_web, and the scarcest one.
CREATE TEMP TABLE candidate AS
SELECT q.sku, q.salable_qty
  FROM inventory.salable_quantity q
  JOIN inventory.product p ON p.sku = q.sku
 WHERE q.stock_id = :web_stock AND q.is_salable AND q.salable_qty >= 1
   AND p.type_id = 'simple' AND p.manage_stock IS NOT FALSE AND NOT p.is_qty_decimal
   AND p.enable_qty_increments IS NOT TRUE AND p.min_sale_qty IS NULL
   AND p.max_sale_qty IS NULL;
SELECT (SELECT sku FROM candidate ORDER BY salable_qty DESC, sku LIMIT 1) AS sku_a,
       (SELECT sku FROM candidate ORDER BY salable_qty DESC, sku LIMIT 1 OFFSET 1) AS sku_b,
       (SELECT sku FROM candidate ORDER BY salable_qty, sku DESC LIMIT 1) AS sku_c
\gset
SELECT set_config('demo.web_stock', :'web_stock', false) AS web_stock,
       set_config('demo.sku_c', :'sku_c', false) AS sku_c
\gset

SELECT r.sku,
       inventory.get_product_salable_qty(r.sku, 1) AS "salable in stock 1",
       inventory.get_product_salable_qty(r.sku, :web_stock) AS "salable on us_web",
       inventory.is_product_salable(r.sku, :web_stock) AS "salable on us_web?"
  FROM (VALUES (:'sku_a'), (:'sku_b'), (:'sku_c')) AS r(sku);

\echo 'is_product_salable_for_requested_qty on us_web (each failing rule is reported):'
SELECT r.sku, r.qty AS asked, c.is_salable AS "ok?",
       coalesce((SELECT string_agg(e ->> 'code', E'\n') FROM jsonb_array_elements(c.errors) e),
                '') AS "failing rules"
  FROM (VALUES (1, :'sku_a', 5::numeric), (2, :'sku_a', 1.5), (3, :'sku_a', 20000),
               (4, 'ROPE-STAT-105', 1.5), (5, 'ROPE-STAT-105', 2.25), (6, 'ROPE-STAT-105', 30.5),
               (7, 'KAYAK-TOUR-44', 7), (8, 'TNT-ALP3-ORG', 1)) AS r(n, sku, qty)
 CROSS JOIN LATERAL inventory.is_product_salable_for_requested_qty(r.sku, :web_stock, r.qty) c
 WHERE EXISTS (SELECT 1 FROM inventory.product p WHERE p.sku = r.sku)
 ORDER BY r.n;

\echo
\echo '=== 7. Orders on us_web'
-- The same report after every step: where the units are, what open orders hold.
CREATE TEMP VIEW watch AS
SELECT w.sku,
       trim_scale(coalesce(sum(si.quantity) FILTER (WHERE si.source_code = 'us_nj_newark'), 0))
           AS "at Newark",
       trim_scale(coalesce(sum(si.quantity) FILTER (WHERE si.source_code = 'us_ca_la'), 0))
           AS "at LA",
       trim_scale(k.quantity) AS quantity, trim_scale(k.reserved) AS reserved,
       trim_scale(k.salable_qty) AS salable, k.is_salable AS "salable?"
  FROM unnest(ARRAY[:'sku_a', :'sku_b', :'sku_c']) WITH ORDINALITY AS w(sku, n)
  JOIN inventory.salable_quantity k ON k.stock_id = :web_stock AND k.sku = w.sku
  LEFT JOIN inventory.source_item si ON si.sku = w.sku
 GROUP BY w.n, w.sku, k.quantity, k.reserved, k.salable_qty, k.is_salable
 ORDER BY w.n;
\echo 'Before any order:'
SELECT * FROM watch;

\echo 'Order US-1001: 2 x' :sku_a
SELECT * FROM inventory.place_order('US-1001', :web_stock,
                                    jsonb_build_array(jsonb_build_object('sku', :'sku_a', 'qty', 2)),
                                    '000000101');
\echo 'The same order id again (a client retrying): the first result, nothing reserved twice'
SELECT * FROM inventory.place_order('US-1001', :web_stock,
                                    jsonb_build_array(jsonb_build_object('sku', :'sku_a', 'qty', 2)),
                                    '000000101');

\echo 'Order US-1002, two lines: 1 x' :sku_a 'and 3 x' :sku_b
SELECT * FROM inventory.place_order('US-1002', :web_stock,
                                    jsonb_build_array(jsonb_build_object('sku', :'sku_a', 'qty', 1),
                                                      jsonb_build_object('sku', :'sku_b', 'qty', 3)),
                                    '000000102');
\echo 'After US-1001 and US-1002 (reserved, not yet shipped):'
SELECT * FROM watch;

\echo 'Order US-1003 asks for one more' :sku_c 'than is salable: refused, nothing written'
CREATE TEMP TABLE refusal (order_id text, sqlstate text, message text, detail text, hint text);
DO $$
DECLARE
    asked numeric := inventory.get_product_salable_qty(current_setting('demo.sku_c'),
                                                       current_setting('demo.web_stock')::integer) + 1;
    err_state text;
    err_message text;
    err_detail text;
    err_hint text;
BEGIN
    PERFORM inventory.place_order('US-1003', current_setting('demo.web_stock')::integer,
                                  jsonb_build_array(jsonb_build_object(
                                      'sku', current_setting('demo.sku_c'), 'qty', asked)));
    INSERT INTO refusal (order_id, message) VALUES ('US-1003', 'placed (not expected)');
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS err_state = RETURNED_SQLSTATE, err_message = MESSAGE_TEXT,
                            err_detail = PG_EXCEPTION_DETAIL, err_hint = PG_EXCEPTION_HINT;
    INSERT INTO refusal VALUES ('US-1003', err_state, err_message, err_detail, err_hint);
END;
$$;
\x on
SELECT r.*, (SELECT count(*) FROM inventory.sales_order o WHERE o.order_id = r.order_id)
           AS "orders stored"
  FROM refusal r;
\x off

-- Source selection recommends where to ship from; by distance it uses the coordinates
-- of the sources. Without it (an older build), the first-priority source ships.
SELECT to_regprocedure('inventory.select_sources(integer, jsonb, text, jsonb)') IS NOT NULL
           AS has_selection,
       'us_nj_newark' AS ship_from
\gset
\if :has_selection
\echo 'Which source should ship US-1001 to a customer in Phoenix, AZ? (by distance)'
SELECT s.sku, s.source_code AS source, trim_scale(s.qty_to_deduct) AS take,
       trim_scale(s.qty_available) AS available
  FROM inventory.select_sources(:web_stock,
                                jsonb_build_array(jsonb_build_object('sku', :'sku_a', 'qty', 2)),
                                'distance', '{"latitude": 33.4484, "longitude": -112.0740}') s;
SELECT s.source_code AS ship_from
  FROM inventory.select_sources(:web_stock,
                                jsonb_build_array(jsonb_build_object('sku', :'sku_a', 'qty', 2)),
                                'distance', '{"latitude": 33.4484, "longitude": -112.0740}') s
 WHERE s.qty_to_deduct > 0
 LIMIT 1
\gset
\else
\echo '(inventory.select_sources is not installed: US-1001 ships from the first-priority source)'
\endif

\echo 'Ship US-1001 from' :ship_from 'and cancel US-1002:'
SELECT inventory.ship_order('US-1001', 'US-1001-S1', :'ship_from') AS "US-1001 shipped",
       inventory.cancel_order('US-1002') AS "US-1002 released";
\echo 'After shipping US-1001 and canceling US-1002:'
SELECT * FROM watch;

\echo 'The order ledger and the reservations behind those numbers:'
SELECT i.order_id AS "order", i.sku, trim_scale(i.qty_ordered) AS ordered,
       trim_scale(i.qty_shipped) AS shipped, trim_scale(i.qty_canceled) AS canceled,
       trim_scale(i.qty_open) AS open
  FROM inventory.order_item i
 ORDER BY i.order_id, i.line;
SELECT r.order_id AS "order", r.sku, trim_scale(r.quantity) AS quantity,
       r.metadata ->> 'event_type' AS event
  FROM inventory.reservation r
 ORDER BY r.reservation_id;

SELECT EXISTS (SELECT 1 FROM inventory.product WHERE sku = 'KAYAK-TOUR-44') AS has_kayak \gset
\if :has_kayak
\echo
\echo 'Backorders: KAYAK-TOUR-44 is built to order (backorders on, threshold -5).'
\echo 'Order US-1004 for 4 kayaks on us_web; the units beyond those on the shelves are backordered:'
SELECT * FROM inventory.place_order('US-1004', :web_stock, '[{"sku": "KAYAK-TOUR-44", "qty": 4}]');
SELECT k.sku, trim_scale(k.quantity) AS quantity, trim_scale(k.reserved) AS reserved,
       trim_scale(k.threshold) AS threshold, trim_scale(k.salable_qty) AS salable
  FROM inventory.salable_quantity k
 WHERE k.stock_id = :web_stock AND k.sku = 'KAYAK-TOUR-44';
\endif

\echo
\echo '=== 8. Set up a flash sale: the last 5 units of one SKU on us_web, for 12 buyers'
-- What the rest of the demo needs from this part is kept in the schema demo: scripts/demo.sh
-- starts one psql process per buyer (demo/flash_buyer.sql), all at once, and demo/after.sql
-- reports on them in a new session.
CREATE SCHEMA demo;
COMMENT ON SCHEMA demo IS 'What the parts of scripts/demo.sh share; not part of the extension';
CREATE TABLE demo.run AS
SELECT :'demo_started'::timestamptz AS demo_started, :web_stock AS web_stock,
       :'sku_a' AS sku_a, :'sku_b' AS sku_b, :'sku_c' AS sku_c;

-- The sale's SKU: the most plentiful candidate the orders above left alone, with no
-- minimum quantity of its own (threshold 0), in stock at both warehouses.
SELECT c.sku AS flash_sku, trim_scale(n.quantity) AS at_newark, trim_scale(l.quantity) AS at_la
  FROM candidate c
  JOIN inventory.product p ON p.sku = c.sku
  JOIN inventory.source_item n ON n.sku = c.sku AND n.source_code = 'us_nj_newark' AND n.status = 1
  JOIN inventory.source_item l ON l.sku = c.sku AND l.source_code = 'us_ca_la' AND l.status = 1
 WHERE c.sku NOT IN (:'sku_a', :'sku_b', :'sku_c')
   AND p.min_qty IS NULL AND p.backorders IS NULL AND n.quantity > 3 AND l.quantity > 2
 ORDER BY c.salable_qty DESC, c.sku
 LIMIT 1
\gset

\echo :flash_sku 'beyond 3 units at Newark and 2 at Los Angeles goes back to the default source:'
SELECT inventory.partial_transfer('us_nj_newark', 'default',
           jsonb_build_array(jsonb_build_object('sku', :'flash_sku', 'qty', :at_newark - 3)))
     + inventory.partial_transfer('us_ca_la', 'default',
           jsonb_build_array(jsonb_build_object('sku', :'flash_sku', 'qty', :at_la - 2)))
           AS "items moved (inventory.partial_transfer)";

CREATE TABLE demo.flash_sale AS
SELECT :'flash_sku'::text AS sku, :web_stock AS stock_id,
       inventory.get_product_salable_qty(:'flash_sku', :web_stock) AS salable_before;
DO $$
BEGIN
    IF (SELECT f.salable_before FROM demo.flash_sale f) <> 5 THEN
        RAISE EXCEPTION 'the flash sale SKU % has % salable, not 5',
            (SELECT f.sku FROM demo.flash_sale f), (SELECT f.salable_before FROM demo.flash_sale f);
    END IF;
END;
$$;

-- The buyers, each in another city (their parcels are shipped by distance later).
CREATE TABLE demo.flash_buyer (buyer integer PRIMARY KEY, city text NOT NULL,
                               postcode text NOT NULL);
INSERT INTO demo.flash_buyer
VALUES (1, 'Boston', '02108'), (2, 'New York', '10001'), (3, 'Philadelphia', '19103'),
       (4, 'Washington', '20001'), (5, 'Atlanta', '30303'), (6, 'Miami', '33131'),
       (7, 'Chicago', '60601'), (8, 'Denver', '80202'), (9, 'Phoenix', '85004'),
       (10, 'San Francisco', '94103'), (11, 'Seattle', '98101'), (12, 'Anchorage', '99501');

-- What each buyer's place_order answered, written by the buyer itself: psql's SQLSTATE
-- (00000 when placed) and the error message.
CREATE TABLE demo.flash_attempt (
    buyer integer PRIMARY KEY REFERENCES demo.flash_buyer,
    order_id text NOT NULL,
    released timestamptz NOT NULL,
    answered timestamptz NOT NULL,
    sqlstate text NOT NULL,
    message text
);

-- The gate the buyers wait at: scripts/demo.sh locks demo.flash_sale, starts the buyers
-- (each first reads demo.flash_sale) and unlocks once this view counts them all.
CREATE VIEW demo.flash_queue AS
SELECT count(*) AS waiting
  FROM pg_locks l
 WHERE l.locktype = 'relation' AND NOT l.granted
   AND l.database = (SELECT d.oid FROM pg_database d WHERE d.datname = current_database())
   AND l.relation = 'demo.flash_sale'::regclass;

-- Where the sale's units are after each step, for the report in demo/after.sql.
CREATE TABLE demo.flash_step (step text, at_newark numeric, at_la numeric, quantity numeric,
                              reserved numeric, salable numeric);
CREATE VIEW demo.flash_now AS
SELECT trim_scale(coalesce(sum(si.quantity) FILTER (WHERE si.source_code = 'us_nj_newark'), 0))
           AS at_newark,
       trim_scale(coalesce(sum(si.quantity) FILTER (WHERE si.source_code = 'us_ca_la'), 0))
           AS at_la,
       trim_scale(k.quantity) AS quantity, trim_scale(k.reserved) AS reserved,
       trim_scale(k.salable_qty) AS salable
  FROM demo.flash_sale f
  JOIN inventory.salable_quantity k ON k.stock_id = f.stock_id AND k.sku = f.sku
  LEFT JOIN inventory.source_item si ON si.sku = f.sku
 GROUP BY k.quantity, k.reserved, k.salable_qty;
INSERT INTO demo.flash_step SELECT 'set up (demo.sql)', n.* FROM demo.flash_now n;

SELECT f.sku AS "on sale", n.at_newark AS "at Newark", n.at_la AS "at LA",
       n.salable AS "salable on us_web", (SELECT count(*) FROM demo.flash_buyer) AS buyers
  FROM demo.flash_sale f, demo.flash_now n;
