-- Import (e) baseline: COPY into a bare table (no trigger, no index, no constraint).
COPY bench.bare_source_item (source_code, sku, status, quantity) FROM '@FILE@' WITH (FORMAT csv, HEADER);
