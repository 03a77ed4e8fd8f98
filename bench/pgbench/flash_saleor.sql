-- Flash sale (b), the row-locking way.
SELECT bench.saleor_place_order('f' || nextval('bench.order_seq'),
                                '[{"sku": "FLASH-1", "qty": 1}]');
