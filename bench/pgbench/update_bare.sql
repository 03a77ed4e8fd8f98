-- Bulk UPDATE (f) baseline: the same rows in a table with only its primary key.
UPDATE bench.bare_keyed_source_item SET quantity = quantity + 1 WHERE source_code = 'imp01';
