-- Flash sale (b): every client buys one unit of the same SKU. A shortage
-- (IN001) is caught and returns false, so the client goes on.
SELECT bench.try_place_order('f' || nextval('bench.order_seq'), 1,
                             '[{"sku": "FLASH-1", "qty": 1}]');
