-- Import (e) through import_source_items (the file read on the server).
SELECT * FROM inventory.import_source_items(pg_read_file('@FILE@'), 'append');
