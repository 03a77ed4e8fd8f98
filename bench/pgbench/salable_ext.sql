-- Salable lookup (c): one of the hot SKUs that hold the reservations.
\set s random(1, :hot)
SELECT inventory.get_product_salable_qty(bench.sku(:s), 1);
