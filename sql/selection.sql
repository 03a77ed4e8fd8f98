-- Shipping an order by source selection: one shipment per chosen source,
-- all or nothing.

CREATE FUNCTION inventory.ship_order_by_selection(order_id text,
                                                  algorithm text DEFAULT 'priority',
                                                  destination jsonb DEFAULT NULL)
RETURNS TABLE (shipment_id text, source_code text, sku text, qty numeric)
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    order_stock integer;
    wanted jsonb;
    unmanaged jsonb;
    short record;
    plan record;
    made integer;
    new_id text;
BEGIN
    order_stock := inventory.lock_order(ship_order_by_selection.order_id);

    SELECT jsonb_agg(jsonb_build_object('sku', i.sku, 'qty', i.qty_open) ORDER BY i.line)
               FILTER (WHERE i.managed),
           jsonb_agg(jsonb_build_object('sku', i.sku, 'qty', i.qty_open) ORDER BY i.line)
               FILTER (WHERE NOT i.managed)
      INTO wanted, unmanaged
      FROM inventory.order_item i
     WHERE i.order_id = ship_order_by_selection.order_id AND i.qty_open > 0;
    IF wanted IS NULL AND unmanaged IS NULL THEN
        RETURN;
    END IF;

    CREATE TEMP TABLE inventory_selection (sku text, source_code text, qty_to_deduct numeric,
                                           rank bigint)
        ON COMMIT DROP;
    IF wanted IS NOT NULL THEN
        INSERT INTO pg_temp.inventory_selection
        SELECT s.sku, s.source_code, s.qty_to_deduct, s.rank
          FROM inventory.select_sources(order_stock, wanted, algorithm, destination)
               WITH ORDINALITY AS s(sku, source_code, qty_to_deduct, qty_available, rank);
    END IF;

    -- Lines whose stock is not managed take nothing from a source: they go
    -- with the first shipment, or alone from the stock's first source.
    IF unmanaged IS NOT NULL THEN
        INSERT INTO pg_temp.inventory_selection (sku, source_code, qty_to_deduct, rank)
        SELECT u.sku, coalesce(
                   (SELECT s.source_code FROM pg_temp.inventory_selection s
                     WHERE s.qty_to_deduct > 0 ORDER BY s.rank LIMIT 1),
                   (SELECT l.source_code FROM inventory.stock_source_link l
                      JOIN inventory.source src ON src.source_code = l.source_code AND src.enabled
                     WHERE l.stock_id = order_stock ORDER BY l.priority, l.source_code LIMIT 1)),
               u.qty, 0
          FROM jsonb_to_recordset(unmanaged) AS u(sku text, qty numeric);
    END IF;

    SELECT s.sku, s.qty_to_deduct INTO short
      FROM pg_temp.inventory_selection s WHERE s.source_code IS NULL LIMIT 1;
    IF FOUND THEN
        DROP TABLE pg_temp.inventory_selection;
        RAISE EXCEPTION 'order % cannot be shipped in full: % of SKU "%" is not held by any source',
            ship_order_by_selection.order_id, short.qty_to_deduct, short.sku
            USING ERRCODE = 'IN002',
                  HINT = 'Nothing was shipped; inventory.select_sources shows what each source holds.';
    END IF;

    SELECT count(*) INTO made FROM inventory.shipment s
     WHERE s.order_id = ship_order_by_selection.order_id;
    FOR plan IN
        SELECT s.source_code,
               jsonb_agg(jsonb_build_object('sku', s.sku, 'qty', s.qty_to_deduct)) AS items
          FROM pg_temp.inventory_selection s
         WHERE s.qty_to_deduct > 0
         GROUP BY s.source_code
         ORDER BY min(s.rank) FILTER (WHERE s.rank > 0), s.source_code
    LOOP
        LOOP
            made := made + 1;
            new_id := format('%s-%s', ship_order_by_selection.order_id, made);
            EXIT WHEN NOT EXISTS (SELECT 1 FROM inventory.shipment s WHERE s.shipment_id = new_id);
        END LOOP;
        PERFORM inventory.ship_lines(ship_order_by_selection.order_id, new_id, plan.source_code,
                                     plan.items);
        RETURN QUERY
            SELECT si.shipment_id, plan.source_code, si.sku, si.qty
              FROM inventory.shipment_item si
             WHERE si.shipment_id = new_id
             ORDER BY si.sku;
    END LOOP;
    DROP TABLE pg_temp.inventory_selection;
END;
$$;
COMMENT ON FUNCTION inventory.ship_order_by_selection(text, text, jsonb) IS
    'Ship what an order still has open, one shipment per source chosen by the algorithm; IN002 when it cannot all be covered';

-- A wrapper PostgreSQL inlines into the calling query, so it costs nothing
-- per call or per row. That is why it has no SET clause (a function with one
-- is never inlined): its body names everything by schema, and the Rust
-- function pins the search_path for the queries it runs.
CREATE FUNCTION inventory.select_sources(stock_id integer, items jsonb,
                                         algorithm text DEFAULT 'priority',
                                         destination jsonb DEFAULT NULL)
RETURNS TABLE (sku text, source_code text, qty_to_deduct numeric, qty_available numeric)
LANGUAGE sql STABLE
AS $$
    SELECT * FROM inventory.select_sources_text(stock_id, items::pg_catalog.text, algorithm,
                                                destination::pg_catalog.text);
$$;
COMMENT ON FUNCTION inventory.select_sources(integer, jsonb, text, jsonb) IS
    'Which sources should ship how much of each SKU (priority or distance); a NULL source row is what none covers';
