-- Placeholder demo, run by scripts/demo.sh in a fresh database `inventory_demo`:
--   psql -v ON_ERROR_STOP=1 -v catalog_path=/absolute/path/catalog.csv -f demo/demo.sql
--
-- Reading the catalog: the file is read by psql on the client side, so the server's
-- user never needs access to the path. A missing file would silently give an empty
-- string, hence the check first. psql drops the file's final newline.
--
--   \set catalog `cat :'catalog_path'`
--   SELECT inventory.import_legacy_catalog(:'catalog');

CREATE EXTENSION inventory;

SELECT extversion AS inventory_version FROM pg_extension WHERE extname = 'inventory';

\set catalog_found `test -r :'catalog_path' && echo true || echo false`
\if :catalog_found
\set catalog `cat :'catalog_path'`
SELECT :'catalog_path' AS catalog, octet_length(:'catalog') AS catalog_bytes;
\else
\echo 'catalog not found:' :catalog_path
\endif
