-- Stock events: NOTIFY inventory_events with a JSON payload.
--
-- pg_notify is transactional: listeners hear of a change only when the
-- transaction that made it commits, and never of one that rolled back. The
-- triggers are statement-level, so one bulk statement sends one message per
-- item whose state really changed, not one per row it touched.
--
--   {"type": "out_of_stock" | "back_in_stock", "stock_id": 1, "source_code": null, "sku": "..."}
--   {"type": "low_stock", "stock_id": null, "source_code": "default", "sku": "...",
--    "quantity": 3, "notify_stock_qty": 5}

CREATE FUNCTION inventory.notify_salability()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM pg_notify('inventory_events', jsonb_build_object(
                    'type', CASE WHEN n.is_salable THEN 'back_in_stock' ELSE 'out_of_stock' END,
                    'stock_id', n.stock_id, 'source_code', NULL, 'sku', n.sku)::text)
           FROM new_rows n
           JOIN old_rows o ON o.stock_id = n.stock_id AND o.sku = n.sku
          WHERE o.is_salable IS DISTINCT FROM n.is_salable
          ORDER BY n.stock_id, n.sku;
    ELSIF TG_OP = 'INSERT' THEN
        PERFORM pg_notify('inventory_events', jsonb_build_object(
                    'type', 'back_in_stock', 'stock_id', n.stock_id, 'source_code', NULL,
                    'sku', n.sku)::text)
           FROM new_rows n
          WHERE n.is_salable
          ORDER BY n.stock_id, n.sku;
    ELSE
        PERFORM pg_notify('inventory_events', jsonb_build_object(
                    'type', 'out_of_stock', 'stock_id', o.stock_id, 'source_code', NULL,
                    'sku', o.sku)::text)
           FROM old_rows o
          WHERE o.is_salable
          ORDER BY o.stock_id, o.sku;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER events_after_update AFTER UPDATE ON inventory.stock_sku
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.notify_salability();
CREATE TRIGGER events_after_insert AFTER INSERT ON inventory.stock_sku
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.notify_salability();
CREATE TRIGGER events_after_delete AFTER DELETE ON inventory.stock_sku
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.notify_salability();

-- A source item enters low stock when it was not low before the statement
-- and is now (in stock, enabled source, 0 < quantity < notify quantity).
CREATE FUNCTION inventory.notify_low_stock()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
BEGIN
    -- PL/pgSQL plans each statement when it first runs, so the branch that
    -- reads old_rows is only planned for UPDATE.
    IF TG_OP = 'UPDATE' THEN
        PERFORM pg_notify('inventory_events', jsonb_build_object(
                    'type', 'low_stock', 'stock_id', NULL, 'source_code', n.source_code,
                    'sku', n.sku, 'quantity', n.quantity, 'notify_stock_qty', n.limit_qty)::text)
           FROM (SELECT x.source_code, x.sku, x.quantity,
                   coalesce(p.notify_stock_qty, d.notify_stock_qty) AS inherited_limit,
                   coalesce(x.notify_stock_qty, p.notify_stock_qty, d.notify_stock_qty) AS limit_qty
              FROM new_rows x
              JOIN inventory.source s ON s.source_code = x.source_code AND s.enabled
              LEFT JOIN inventory.product p ON p.sku = x.sku
             CROSS JOIN inventory.defaults d
             WHERE x.status = 1 AND x.quantity > 0
               AND x.quantity < coalesce(x.notify_stock_qty, p.notify_stock_qty, d.notify_stock_qty)
           ) n
           LEFT JOIN old_rows o ON o.source_code = n.source_code AND o.sku = n.sku
          WHERE NOT coalesce(o.status = 1 AND o.quantity > 0
                             AND o.quantity < coalesce(o.notify_stock_qty, n.inherited_limit),
                             false)
          ORDER BY n.source_code, n.sku;
    ELSE
        PERFORM pg_notify('inventory_events', jsonb_build_object(
                    'type', 'low_stock', 'stock_id', NULL, 'source_code', n.source_code,
                    'sku', n.sku, 'quantity', n.quantity, 'notify_stock_qty', n.limit_qty)::text)
           FROM (SELECT x.source_code, x.sku, x.quantity,
                   coalesce(p.notify_stock_qty, d.notify_stock_qty) AS inherited_limit,
                   coalesce(x.notify_stock_qty, p.notify_stock_qty, d.notify_stock_qty) AS limit_qty
              FROM new_rows x
              JOIN inventory.source s ON s.source_code = x.source_code AND s.enabled
              LEFT JOIN inventory.product p ON p.sku = x.sku
             CROSS JOIN inventory.defaults d
             WHERE x.status = 1 AND x.quantity > 0
               AND x.quantity < coalesce(x.notify_stock_qty, p.notify_stock_qty, d.notify_stock_qty)
           ) n
          ORDER BY n.source_code, n.sku;
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER events_after_update AFTER UPDATE ON inventory.source_item
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.notify_low_stock();
CREATE TRIGGER events_after_insert AFTER INSERT ON inventory.source_item
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.notify_low_stock();
