-- Salable quantity: the lookups and views over the kept figures.
-- Each lookup reads one row of inventory.stock_sku; nothing here sums a table.

CREATE FUNCTION inventory.require_stock(stock_id integer)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, inventory, pg_temp
AS $$
BEGIN
    IF stock_id IS NULL THEN
        RAISE EXCEPTION 'stock_id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM inventory.stock s WHERE s.stock_id = require_stock.stock_id) THEN
        RAISE EXCEPTION 'stock % does not exist', stock_id USING ERRCODE = 'undefined_object';
    END IF;
END;
$$;
COMMENT ON FUNCTION inventory.require_stock(integer) IS
    'Internal: raise 42704 unless the stock exists (22004 for NULL)';

CREATE FUNCTION inventory.get_product_salable_qty(sku text, stock_id integer)
RETURNS numeric
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    result numeric;
BEGIN
    PERFORM inventory.require_sku(sku);
    SELECT k.salable_qty INTO result
      FROM inventory.stock_sku k
     WHERE k.stock_id = get_product_salable_qty.stock_id AND k.sku = get_product_salable_qty.sku;
    IF NOT FOUND THEN
        -- A kept row names an existing stock; only without one is it checked.
        PERFORM inventory.require_stock(stock_id);
    END IF;
    RETURN coalesce(result, 0);
END;
$$;
COMMENT ON FUNCTION inventory.get_product_salable_qty(text, integer) IS
    'Salable quantity of a SKU in a stock: quantity + reserved - threshold, 0 with no in-stock item';

CREATE FUNCTION inventory.is_product_salable(sku text, stock_id integer)
RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    result boolean;
BEGIN
    PERFORM inventory.require_sku(sku);
    SELECT k.is_salable INTO result
      FROM inventory.stock_sku k
     WHERE k.stock_id = is_product_salable.stock_id AND k.sku = is_product_salable.sku;
    IF NOT FOUND THEN
        -- A kept row names an existing stock; only without one is it checked.
        PERFORM inventory.require_stock(stock_id);
    END IF;
    RETURN coalesce(result, false);
END;
$$;
COMMENT ON FUNCTION inventory.is_product_salable(text, integer) IS
    'Whether a SKU can be sold from a stock at all (assigned, and in stock or not managed)';

-- The settings and figures one salability check needs, for any SKU, with or
-- without a product row or kept figures.
CREATE FUNCTION inventory.requested_qty_check(sku text, stock_id integer, qty numeric)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, inventory, pg_temp
AS $$
    SELECT inventory.requested_qty_errors(
               qty,
               coalesce(p.min_sale_qty, d.min_sale_qty),
               coalesce(p.max_sale_qty, d.max_sale_qty),
               coalesce(p.enable_qty_increments, d.enable_qty_increments),
               coalesce(p.qty_increments, d.qty_increments),
               coalesce(p.is_qty_decimal, false),
               coalesce(p.manage_stock, d.manage_stock),
               coalesce(p.backorders, d.backorders),
               coalesce(k.threshold, 0),
               coalesce(k.items_assigned, 0),
               coalesce(k.items_in_stock, 0),
               coalesce(k.salable_qty, 0))
      FROM inventory.defaults d
      LEFT JOIN inventory.product p ON p.sku = requested_qty_check.sku
      LEFT JOIN inventory.stock_sku k
        ON k.stock_id = requested_qty_check.stock_id AND k.sku = requested_qty_check.sku;
$$;
COMMENT ON FUNCTION inventory.requested_qty_check(text, integer, numeric) IS
    'Internal: the errors of is_product_salable_for_requested_qty as a JSON array';

CREATE FUNCTION inventory.is_product_salable_for_requested_qty(sku text, stock_id integer, qty numeric)
RETURNS TABLE (is_salable boolean, errors jsonb)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    found_errors jsonb;
BEGIN
    PERFORM inventory.require_sku(sku);
    PERFORM inventory.require_stock(stock_id);
    PERFORM inventory.require_qty(qty, 'qty');
    IF qty <= 0 THEN
        RAISE EXCEPTION 'requested quantity % for SKU "%" must be greater than 0', qty, sku
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    found_errors := inventory.requested_qty_check(sku, stock_id, qty);
    RETURN QUERY SELECT jsonb_array_length(found_errors) = 0, found_errors;
END;
$$;
COMMENT ON FUNCTION inventory.is_product_salable_for_requested_qty(text, integer, numeric) IS
    'Whether a quantity of a SKU can be sold from a stock, with every failing rule as {code, message}';

CREATE FUNCTION inventory.stock_by_sales_channel(code text, type text DEFAULT 'website')
RETURNS integer
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    result integer;
BEGIN
    IF code IS NULL OR type IS NULL THEN
        RAISE EXCEPTION 'sales channel code and type must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT c.stock_id INTO result
      FROM inventory.stock_sales_channel c
     WHERE c.code = stock_by_sales_channel.code AND c.type = stock_by_sales_channel.type;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'sales channel % "%" does not exist', inventory.shown(type),
            inventory.shown(code)
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN result;
END;
$$;
COMMENT ON FUNCTION inventory.stock_by_sales_channel(text, text) IS
    'The stock a sales channel (a website code) sells from';

CREATE VIEW inventory.stock_index AS
SELECT k.stock_id, k.sku, k.quantity, k.is_salable
  FROM inventory.stock_sku k
 WHERE k.items_enabled > 0;
COMMENT ON VIEW inventory.stock_index IS
    'Aggregated stock of each SKU in each stock with an item in an enabled linked source (MSI''s stock index)';

CREATE VIEW inventory.salable_quantity AS
SELECT k.stock_id, k.sku, k.quantity, k.reserved, k.threshold, k.salable_qty, k.is_salable
  FROM inventory.stock_sku k
 WHERE k.items_assigned > 0;
COMMENT ON VIEW inventory.salable_quantity IS
    'Where each salable quantity comes from: quantity + reserved - threshold (0 without an in-stock item)';
COMMENT ON COLUMN inventory.salable_quantity.threshold IS
    'The out-of-stock threshold adapted to backorders: min(min_qty, 0) with backorders, max(min_qty, 0) without';
