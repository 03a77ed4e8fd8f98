-- Item lists as every function that takes one reads them.

-- PL/pgSQL rather than SQL: a SQL function with a SET clause is never
-- inlined, and PostgreSQL parses and plans its body on every call.
CREATE FUNCTION inventory.parse_items(items jsonb, what text DEFAULT 'items')
RETURNS TABLE (line integer, sku text, qty numeric)
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, inventory, pg_temp
AS $$
BEGIN
    -- parse_item_list merges SKUs equal in the SKU collation and returns
    -- the lines in line order.
    RETURN QUERY
        SELECT l.line, l.sku, l.qty FROM inventory.parse_item_list(items::text, what) l;
END;
$$;
COMMENT ON FUNCTION inventory.parse_items(jsonb, text) IS
    'Internal: the lines of an item list, the same SKU summed (22023 for a bad list, 22004 for NULL)';
