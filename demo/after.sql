-- The last part of the demo, run by scripts/demo.sh once the flash sale is over:
--
--   psql -X -q -v ON_ERROR_STOP=1 -v tmp_dir=/some/empty/dir -f demo/after.sql
--
-- from the repository's root (the paths below are relative to it).
--
-- It reports what the concurrent buyers of demo/flash_buyer.sql got, loads postal codes
-- and ships the winners and a few more orders from the nearest warehouse, exports the
-- stock to CSV, imports a stock count, moves a product family from one warehouse to the
-- other, lists low stock, and checks that every kept figure matches a recomputation.
-- What demo/demo.sql picked (stock, SKUs, the sale) it reads from the schema demo.
--
-- Postal codes come from ../shared/data/geonames/US.txt (relative to the repository) when
-- it is there, else from demo/geonames_slice.tsv (32 real rows of it); psql -v
-- geonames_path=FILE picks another GeoNames file.

\set QUIET on
\pset footer off
\pset null '-'
\pset numericlocale on
SET client_min_messages = warning;
SELECT * FROM demo.run \gset
SELECT f.sku AS flash_sku, f.stock_id AS flash_stock, trim_scale(f.salable_before) AS flash_units,
       (SELECT count(*) FROM demo.flash_buyer) AS flash_buyers
  FROM demo.flash_sale f
\gset
\if :{?tmp_dir}
\else
\set tmp_dir `mktemp -d`
\endif

\echo
\echo '=== 9. The flash sale:' :flash_buyers 'buyers at once,' :flash_units 'units of' :flash_sku
\echo 'Each buyer, a psql process of its own, asked for 1 unit. Exactly' :flash_units 'may get one,'
\echo 'every other buyer must be refused with IN001, and nothing may be left to sell.'
SELECT count(a.buyer) AS buyers,
       count(*) FILTER (WHERE a.sqlstate = '00000') AS placed,
       count(*) FILTER (WHERE a.sqlstate = 'IN001') AS "refused (IN001)",
       count(*) FILTER (WHERE a.sqlstate NOT IN ('00000', 'IN001')) AS "other errors",
       (SELECT trim_scale(sum(i.qty_ordered)) FROM inventory.order_item i
         WHERE i.order_id IN (SELECT t.order_id FROM demo.flash_attempt t)) AS "units sold",
       :flash_units AS "salable before",
       inventory.get_product_salable_qty(:'flash_sku', :flash_stock) AS "salable after",
       round(extract(epoch FROM max(a.released) - min(a.released)) * 1000, 1)
           AS "all released within ms",
       round(extract(epoch FROM max(a.answered) - min(a.released)) * 1000, 1)
           AS "all answered within ms"
  FROM demo.flash_attempt a;

\echo 'What each buyer got, in the order of the answers:'
SELECT a.buyer, b.city, a.order_id AS "order",
       round(extract(epoch FROM a.answered - min(a.released) OVER ()) * 1000, 1)
           AS "answered after ms",
       CASE WHEN a.sqlstate = '00000' THEN 'placed' ELSE a.sqlstate || ': ' || a.message END
           AS answer
  FROM demo.flash_attempt a
  JOIN demo.flash_buyer b ON b.buyer = a.buyer
 ORDER BY a.answered, a.buyer;
INSERT INTO demo.flash_step
SELECT format('after the sale: %s orders placed',
              (SELECT count(*) FROM demo.flash_attempt a WHERE a.sqlstate = '00000')), n.*
  FROM demo.flash_now n;

\echo
\echo '=== 10. Postal codes, and shipping from the nearest warehouse'
\if :{?geonames_path}
\else
\set geonames_path ../shared/data/geonames/US.txt
\endif
\set geonames_found `test -r :'geonames_path' && echo true || echo false`
\if :geonames_found
\else
\echo :geonames_path 'is not there: loading the slice demo/geonames_slice.tsv instead'
\set geonames_path demo/geonames_slice.tsv
\endif
\set geonames `cat :'geonames_path'`
SELECT clock_timestamp() AS geonames_started \gset
SELECT :'geonames_path' AS "GeoNames file",
       pg_size_pretty(octet_length(:'geonames')::bigint) AS size,
       inventory.import_geonames(:'geonames') AS postcodes,
       round(extract(epoch FROM clock_timestamp() - :'geonames_started'::timestamptz) * 1000)
           AS "import ms";
\unset geonames

-- Great-circle distance in km (haversine, mean Earth radius 6,371 km).
CREATE FUNCTION demo.great_circle_km(lat1 float8, lon1 float8, lat2 float8, lon2 float8)
RETURNS float8
LANGUAGE sql IMMUTABLE STRICT
RETURN 2 * 6371 * asin(sqrt(sin(radians(lat2 - lat1) / 2) ^ 2
                            + cos(radians(lat1)) * cos(radians(lat2))
                              * sin(radians(lon2 - lon1) / 2) ^ 2));

-- Who gets what where: the flash sale's buyers and the customers of the orders below.
CREATE TEMP TABLE customer_order (order_id text PRIMARY KEY, city text, postcode text,
                                  items jsonb);
CREATE TEMP VIEW ship_to AS
SELECT a.order_id, b.city, b.postcode
  FROM demo.flash_attempt a
  JOIN demo.flash_buyer b ON b.buyer = a.buyer
 WHERE a.sqlstate = '00000'
UNION ALL
SELECT o.order_id, o.city, o.postcode FROM customer_order o;

-- Every shipment to those customers: where it left from, how far it went, and whether
-- that was the warehouse of the stock nearest to the customer.
CREATE TEMP VIEW shipped AS
SELECT t.order_id AS "order", t.city || ' ' || t.postcode AS "ship to",
       sh.shipment_id AS shipment, sh.source_code AS "from", si.sku, trim_scale(si.qty) AS qty,
       round(demo.great_circle_km(s.latitude, s.longitude, g.latitude, g.longitude)) AS km,
       sh.source_code = (SELECT n.source_code
                           FROM inventory.stock_source_link l
                           JOIN inventory.source n ON n.source_code = l.source_code
                          WHERE l.stock_id = :web_stock
                          ORDER BY demo.great_circle_km(n.latitude, n.longitude,
                                                        g.latitude, g.longitude)
                          LIMIT 1) AS "nearest?"
  FROM ship_to t
  JOIN inventory.geoname g ON g.country_code = 'US' AND g.postcode = t.postcode
  JOIN inventory.shipment sh ON sh.order_id = t.order_id
  JOIN inventory.shipment_item si ON si.shipment_id = sh.shipment_id
  JOIN inventory.source s ON s.source_code = sh.source_code;

\echo 'The first three winners of the flash sale get their parcel, shipped by distance with'
\echo 'inventory.ship_order_by_selection(order, ''distance'', {country, postcode});'
\echo 'the other two cancel.'
CREATE TEMP TABLE flash_winner AS
SELECT a.order_id, b.postcode, row_number() OVER (ORDER BY a.answered, a.buyer) AS rank
  FROM demo.flash_attempt a
  JOIN demo.flash_buyer b ON b.buyer = a.buyer
 WHERE a.sqlstate = '00000';
SELECT count(DISTINCT w.order_id) AS flash_shipped
  FROM (SELECT * FROM flash_winner WHERE rank <= 3 ORDER BY rank) w
 CROSS JOIN LATERAL inventory.ship_order_by_selection(
           w.order_id, 'distance', jsonb_build_object('country', 'US', 'postcode', w.postcode)) s
\gset
INSERT INTO demo.flash_step
SELECT format('%s winners shipped by distance', :flash_shipped), n.* FROM demo.flash_now n;
SELECT count(*) AS flash_canceled, sum(inventory.cancel_order(w.order_id)) AS flash_released
  FROM flash_winner w
 WHERE w.rank > 3
\gset
INSERT INTO demo.flash_step
SELECT format('%s winners canceled, %s units released', :flash_canceled, :flash_released), n.*
  FROM demo.flash_now n;
SELECT s.step, s.at_newark AS "at Newark", s.at_la AS "at LA", s.quantity, s.reserved,
       s.salable
  FROM demo.flash_step s;

-- A few more orders on us_web, each for a customer elsewhere. The last one asks for one
-- unit more than Newark holds of a SKU, so its nearest warehouse cannot fill it alone.
SELECT c.sku AS split_sku, trim_scale(n.quantity) + 1 AS split_qty
  FROM inventory.salable_quantity c
  JOIN inventory.product p ON p.sku = c.sku
  JOIN inventory.source_item n ON n.sku = c.sku AND n.source_code = 'us_nj_newark' AND n.status = 1
  JOIN inventory.source_item l ON l.sku = c.sku AND l.source_code = 'us_ca_la' AND l.status = 1
 WHERE c.stock_id = :web_stock AND c.salable_qty > n.quantity
   AND p.type_id = 'simple' AND p.manage_stock IS NOT FALSE AND NOT p.is_qty_decimal
   AND p.enable_qty_increments IS NOT TRUE AND p.min_sale_qty IS NULL
   AND p.max_sale_qty IS NULL AND p.backorders IS NULL
   AND n.quantity >= 1 AND l.quantity >= 1
   AND c.sku NOT IN (:'sku_a', :'sku_b', :'sku_c', :'flash_sku')
 ORDER BY n.quantity, c.sku
 LIMIT 1
\gset
INSERT INTO customer_order
SELECT o.order_id, o.city, o.postcode,
       jsonb_agg(jsonb_build_object('sku', o.sku, 'qty', o.qty) ORDER BY o.line)
  FROM (VALUES (1, 'US-2001', 'Boston', '02108', :'sku_a', 2),
               (2, 'US-2002', 'Seattle', '98101', :'sku_a', 1),
               (3, 'US-2002', 'Seattle', '98101', :'sku_b', 1),
               (4, 'US-2003', 'Chicago', '60601', :'sku_b', 1),
               (5, 'US-2004', 'Honolulu', '96813', :'sku_b', 2),
               (6, 'US-2005', 'Miami', '33131', :'split_sku', :split_qty))
       AS o(line, order_id, city, postcode, sku, qty)
 GROUP BY o.order_id, o.city, o.postcode;
\echo
\echo 'Orders US-2001 to US-2005, placed on us_web and shipped by distance to their customers:'
SELECT o.order_id AS "order", o.city || ' ' || o.postcode AS "ship to",
       string_agg(trim_scale(p.qty) || ' x ' || p.sku, ', ') AS placed
  FROM customer_order o
 CROSS JOIN LATERAL inventory.place_order(o.order_id, :web_stock, o.items) p
 GROUP BY o.order_id, o.city, o.postcode
 ORDER BY o.order_id;
SELECT count(*) AS shipped_lines
  FROM (SELECT * FROM customer_order ORDER BY order_id) o
 CROSS JOIN LATERAL inventory.ship_order_by_selection(
           o.order_id, 'distance', jsonb_build_object('country', 'US', 'postcode', o.postcode)) s
\gset

\echo 'Where every shipment left from, and how far it went (great-circle km, haversine):'
SELECT * FROM shipped ORDER BY "order", shipment, sku;

\echo
\echo '=== 11. Export, a stock count, a bulk transfer, low stock'
-- \copy takes the rest of its line as it is, without psql variables, so a \copy to or
-- from a path held in a variable is composed in a variable first and then run.
\set export_file :tmp_dir '/source_items.csv'
\set export_query '(SELECT * FROM inventory.source_item_export)'
\set export_copy '\\copy ' :export_query ' TO ' :'export_file' ' WITH (FORMAT csv, HEADER)'
:export_copy
\set export_head `head -n 4 :'export_file'`
\echo 'Every source item, exported with'
\echo :export_copy
\echo 'begins:'
\echo :export_head
\echo '...'

-- Read back, the file is what the stock count below is compared with.
CREATE TEMP TABLE exported (LIKE inventory.source_item_import);
\set read_back '\\copy exported FROM ' :'export_file' ' WITH (FORMAT csv, HEADER)'
:read_back
SELECT count(*) AS "rows read back",
       NOT EXISTS (SELECT si.source_code, si.sku COLLATE "default", si.status, si.quantity
                     FROM inventory.source_item si
                   EXCEPT
                   SELECT * FROM exported)
       AND count(*) = (SELECT count(*) FROM inventory.source_item) AS "same as source_item?"
  FROM exported;

-- A stock count in Magento's stock_sources format. demo/adjustment.csv names SKUs of
-- demo/catalog.csv; for another catalog the same kind of file is made from its own SKUs.
CREATE TEMP TABLE adjustment (LIKE inventory.source_item_import);
\copy adjustment FROM 'demo/adjustment.csv' WITH (FORMAT csv, HEADER)
SELECT coalesce(bool_and(EXISTS (SELECT 1 FROM inventory.product p WHERE p.sku = a.sku)), false)
           AS adjustment_fits
  FROM adjustment a
\gset
\if :adjustment_fits
\echo
\echo 'The stock count demo/adjustment.csv, imported with'
\echo '\\copy inventory.source_item_import FROM ''demo/adjustment.csv'' WITH (FORMAT csv, HEADER):'
\copy inventory.source_item_import FROM 'demo/adjustment.csv' WITH (FORMAT csv, HEADER)
\else
-- The first three SKUs (in code order) in stock at each warehouse, none of those the
-- orders used: two are found short, the third damaged (out of stock, 0).
TRUNCATE adjustment;
INSERT INTO adjustment (source_code, sku, status, quantity)
SELECT e.source_code, e.sku, (e.rank < 3)::integer, CASE WHEN e.rank < 3 THEN e.rank ELSE 0 END
  FROM (SELECT e.*, row_number() OVER (PARTITION BY e.source_code ORDER BY e.sku COLLATE "C")
                        AS rank
          FROM exported e
         WHERE e.source_code IN ('us_nj_newark', 'us_ca_la') AND e.status = 1 AND e.quantity >= 3
           AND e.sku NOT IN (:'sku_a', :'sku_b', :'sku_c', :'flash_sku', :'split_sku')) e
 WHERE e.rank <= 3;
SELECT 'source_code,sku,status,quantity' || E'\n'
       || string_agg(format('%s,%s,%s,%s', a.source_code,
                            CASE WHEN a.sku COLLATE "C" ~ '[",\r\n]' THEN '"' || replace(a.sku, '"', '""') || '"'
                                 ELSE a.sku END,
                            a.status, a.quantity), E'\n' ORDER BY a.source_code DESC, a.sku)
           AS adjustment_csv
  FROM adjustment a
\gset
\echo
\echo 'A stock count made from this catalog''s SKUs (demo/adjustment.csv is for demo/catalog.csv):'
\echo :adjustment_csv
\echo 'imported with inventory.import_source_items(csv, ''append''):'
SELECT * FROM inventory.import_source_items(:'adjustment_csv', 'append');
\endif
SELECT a.source_code AS source, a.sku, e.status AS "status before",
       trim_scale(e.quantity) AS "quantity before", si.status AS "status after",
       trim_scale(si.quantity) AS "quantity after"
  FROM adjustment a
  LEFT JOIN exported e ON e.source_code = a.source_code AND e.sku = a.sku
  LEFT JOIN inventory.source_item si ON si.source_code = a.source_code AND si.sku = a.sku
 ORDER BY a.source_code DESC, a.sku;

-- A family of products: the part of the SKU before the first '-'. The largest one that
-- none of the SKUs the orders above used belongs to (any, if every one does).
SELECT split_part(p.sku COLLATE "C", '-', 1) || '-' AS family
  FROM inventory.product p
 WHERE p.type_id = 'simple' AND p.sku COLLATE "C" ~ '^[A-Za-z0-9]+-'
 GROUP BY 1
 ORDER BY bool_or(p.sku IN (:'sku_a', :'sku_b', :'sku_c', :'flash_sku', :'split_sku')),
          count(*) DESC, 1
 LIMIT 1
\gset
CREATE TEMP VIEW family_stock AS
SELECT si.source_code, count(*) FILTER (WHERE si.status = 1) AS in_stock,
       trim_scale(sum(si.quantity)) AS quantity
  FROM inventory.source_item si
 WHERE si.sku LIKE :'family' || '%' COLLATE "C"
 GROUP BY si.source_code;
CREATE TEMP VIEW family_salable AS
SELECT trim_scale(sum(q.salable_qty)) AS salable
  FROM inventory.salable_quantity q
 WHERE q.stock_id = :web_stock AND q.sku LIKE :'family' || '%' COLLATE "C";
CREATE TEMP TABLE family_before AS SELECT * FROM family_stock;
SELECT salable AS family_salable_before FROM family_salable \gset

\echo
\echo 'Los Angeles hands every' :family 'SKU over to Newark:'
\echo '  inventory.bulk_transfer(ARRAY(SELECT sku FROM inventory.product'
\echo '                                WHERE sku LIKE' :'family' '|| ''%'' COLLATE "C"),'
\echo '                          ''us_ca_la'', ''us_nj_newark'')'
SELECT inventory.bulk_transfer(ARRAY(SELECT p.sku FROM inventory.product p
                                      WHERE p.sku LIKE :'family' || '%' COLLATE "C"),
                               'us_ca_la', 'us_nj_newark') AS "SKUs moved";
SELECT b.source_code AS source, b.in_stock AS "in stock before", b.quantity AS "quantity before",
       f.in_stock AS "in stock after", f.quantity AS "quantity after"
  FROM family_before b
  JOIN family_stock f ON f.source_code = b.source_code
 ORDER BY b.source_code <> 'default', b.source_code;
\echo 'A move between two sources of one stock leaves what it can sell as it was:'
SELECT :'family_salable_before'::numeric AS "salable on us_web before", f.salable AS "after"
  FROM family_salable f;

\echo
\echo 'Low stock (inventory.low_stock), with the default notify quantity raised from 1 to 5:'
UPDATE inventory.defaults SET notify_stock_qty = 5;
SELECT l.source_code AS source, count(*) AS "low items"
  FROM inventory.low_stock l
 GROUP BY l.source_code
 ORDER BY l.source_code;
\echo 'The lowest 15:'
SELECT l.source_code AS source, l.sku, l.name, trim_scale(l.quantity) AS quantity,
       trim_scale(l.notify_stock_qty) AS "notify below"
  FROM inventory.low_stock l
 ORDER BY l.quantity, l.source_code, l.sku
 LIMIT 15;

\echo
\echo '=== 12. Housekeeping and consistency'
-- Reservations of an order that sum to 0 per (stock, SKU) are settled: cleanup
-- deletes them; open orders (the kayak's, if any) keep theirs.
SELECT inventory.cleanup_reservations() AS "settled reservations deleted";
SELECT count(*) AS "reservations kept" FROM inventory.reservation;
SELECT count(*) AS "figure differences (must be 0)" FROM inventory.figure_differences();
SELECT count(*) AS "reservation inconsistencies (must be 0)"
  FROM inventory.reservation_inconsistencies();

SELECT round(extract(epoch FROM clock_timestamp() - :'demo_started'::timestamptz), 2)
           AS "demo seconds";
