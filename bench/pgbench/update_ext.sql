-- Bulk UPDATE (f) of every item of one source.
UPDATE inventory.source_item SET quantity = quantity + 1 WHERE source_code = 'imp01';
