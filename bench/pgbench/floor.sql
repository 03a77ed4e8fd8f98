-- The floor: a transaction that only inserts one row into a plain table.
\set a random(1, :skus)
INSERT INTO bench.floor_row (client_id, value) VALUES (:client_id, :a);
