-- Item lists as every function that takes one reads them.

CREATE FUNCTION inventory.parse_items(items jsonb, what text DEFAULT 'items')
RETURNS TABLE (line integer, sku text, qty numeric)
LANGUAGE sql IMMUTABLE
SET search_path = pg_catalog, inventory, pg_temp
AS $$
    -- The Rust parser sums SKUs equal in lower case; the SKU collation also
    -- equates some spellings lower case does not (full-width letters, say),
    -- and it is the one the tables use, so it has the last word.
    SELECT min(l.line)::integer, (array_agg(l.sku ORDER BY l.line))[1], sum(l.qty)
      FROM inventory.parse_item_list(items::text, what) l
     GROUP BY l.sku COLLATE inventory.sku_ci
     ORDER BY 1;
$$;
COMMENT ON FUNCTION inventory.parse_items(jsonb, text) IS
    'Internal: the lines of an item list, the same SKU summed (22023 for a bad list, 22004 for NULL)';
