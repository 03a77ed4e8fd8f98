-- Checkout (a): 1 to 3 lines of one unit each, random SKUs of the catalog.
-- Magento's way: SUM over reservations, check, then insert, no lock.
-- The item list is built in the statement itself, so that with -M prepared
-- nothing of the harness is planned again per call.
\set n random(1, 3)
\set a random(1, :skus)
\set b random(1, :skus)
\set c random(1, :skus)
\if :n = 1
SELECT bench.magento_place_order('o' || nextval('bench.order_seq'), 1,
       jsonb_build_array(jsonb_build_object('sku', bench.sku(:a), 'qty', 1)));
\elif :n = 2
SELECT bench.magento_place_order('o' || nextval('bench.order_seq'), 1,
       jsonb_build_array(jsonb_build_object('sku', bench.sku(:a), 'qty', 1),
                         jsonb_build_object('sku', bench.sku(:b), 'qty', 1)));
\else
SELECT bench.magento_place_order('o' || nextval('bench.order_seq'), 1,
       jsonb_build_array(jsonb_build_object('sku', bench.sku(:a), 'qty', 1),
                         jsonb_build_object('sku', bench.sku(:b), 'qty', 1),
                         jsonb_build_object('sku', bench.sku(:c), 'qty', 1)));
\endif
