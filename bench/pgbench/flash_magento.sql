-- Flash sale (b), Magento's way: check the SUM, then insert, no lock.
SELECT bench.magento_place_order('f' || nextval('bench.order_seq'), 1,
                                 '[{"sku": "FLASH-1", "qty": 1}]');
