-- Salable lookup (c), the row-locking shops' read: one stock row by key.
\set s random(1, :hot)
SELECT quantity - quantity_allocated FROM bench.s_stock WHERE sku = bench.sku(:s);
