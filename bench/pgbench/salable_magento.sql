-- Salable lookup (c), Magento's way: the stock index quantity plus the SUM of
-- the SKU's reservations (over Magento's covering index).
\set s random(1, :hot)
SELECT i.quantity + coalesce((SELECT sum(r.quantity) FROM bench.m_reservation r
                               WHERE r.stock_id = 1 AND r.sku = i.sku), 0)
  FROM bench.m_stock_index i
 WHERE i.stock_id = 1 AND i.sku = bench.sku(:s);
