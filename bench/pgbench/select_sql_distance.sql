-- Source selection (d), distance, in plain SQL: a window function over the same tables.
\set a1 random(1, :sel_skus)
\set a2 random(1, :sel_skus)
\set a3 random(1, :sel_skus)
\set a4 random(1, :sel_skus)
\set a5 random(1, :sel_skus)
\set a6 random(1, :sel_skus)
\set a7 random(1, :sel_skus)
\set a8 random(1, :sel_skus)
\set a9 random(1, :sel_skus)
\set a10 random(1, :sel_skus)
SELECT count(*) FROM bench.sql_select_sources(2,
       jsonb_build_array(jsonb_build_object('sku', 'SEL-' || lpad(:a1::text, 4, '0'), 'qty', 25),
                         jsonb_build_object('sku', 'SEL-' || lpad(:a2::text, 4, '0'), 'qty', 25),
                         jsonb_build_object('sku', 'SEL-' || lpad(:a3::text, 4, '0'), 'qty', 25),
                         jsonb_build_object('sku', 'SEL-' || lpad(:a4::text, 4, '0'), 'qty', 25),
                         jsonb_build_object('sku', 'SEL-' || lpad(:a5::text, 4, '0'), 'qty', 25),
                         jsonb_build_object('sku', 'SEL-' || lpad(:a6::text, 4, '0'), 'qty', 25),
                         jsonb_build_object('sku', 'SEL-' || lpad(:a7::text, 4, '0'), 'qty', 25),
                         jsonb_build_object('sku', 'SEL-' || lpad(:a8::text, 4, '0'), 'qty', 25),
                         jsonb_build_object('sku', 'SEL-' || lpad(:a9::text, 4, '0'), 'qty', 25),
                         jsonb_build_object('sku', 'SEL-' || lpad(:a10::text, 4, '0'), 'qty', 25)),
       'distance', 40.7128, -74.0060);
