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

-- PL/pgSQL plans a statement over transition tables once per session, with
-- the row counts of its first run: a join of new_rows with old_rows planned
-- for one row would stay a nested loop, quadratic for a later bulk statement.
-- Old and new rows are therefore compared by grouping them, which costs one
-- pass whatever the plan.
CREATE FUNCTION inventory.notify_salability()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        PERFORM pg_notify('inventory_events', jsonb_build_object(
                    'type', CASE WHEN c.salable_now THEN 'back_in_stock' ELSE 'out_of_stock' END,
                    'stock_id', c.stock_id, 'source_code', NULL, 'sku', c.sku)::text)
           FROM (SELECT x.stock_id, min(x.sku) AS sku,
                        bool_or(x.is_salable) FILTER (WHERE x.is_new) AS salable_now,
                        bool_or(x.is_salable) FILTER (WHERE NOT x.is_new) AS salable_before
                   FROM (SELECT n.stock_id, n.sku, n.is_salable, true AS is_new FROM new_rows n
                         UNION ALL
                         SELECT o.stock_id, o.sku, o.is_salable, false FROM old_rows o) x
                  GROUP BY x.stock_id, x.sku) c
          WHERE c.salable_now IS DISTINCT FROM c.salable_before
          ORDER BY c.stock_id, c.sku;
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
                    'type', 'low_stock', 'stock_id', NULL, 'source_code', c.source_code,
                    'sku', c.sku, 'quantity', c.quantity, 'notify_stock_qty', c.limit_qty)::text)
           FROM (SELECT x.source_code, min(x.sku) AS sku,
                        bool_or(x.low) FILTER (WHERE x.is_new) AS low_now,
                        bool_or(x.low) FILTER (WHERE NOT x.is_new) AS low_before,
                        max(x.quantity) FILTER (WHERE x.is_new) AS quantity,
                        max(x.limit_qty) FILTER (WHERE x.is_new) AS limit_qty
                   FROM (SELECT r.source_code, r.sku, r.is_new, r.quantity, lim.limit_qty,
                                s.enabled AND r.status = 1 AND r.quantity > 0
                                    AND r.quantity < lim.limit_qty AS low
                           FROM (SELECT n.source_code, n.sku, n.quantity, n.status,
                                        n.notify_stock_qty, true AS is_new
                                   FROM new_rows n
                                 UNION ALL
                                 SELECT o.source_code, o.sku, o.quantity, o.status,
                                        o.notify_stock_qty, false
                                   FROM old_rows o) r
                           JOIN inventory.source s ON s.source_code = r.source_code
                           LEFT JOIN inventory.product p ON p.sku = r.sku
                          CROSS JOIN inventory.defaults d
                          CROSS JOIN LATERAL (
                                SELECT coalesce(r.notify_stock_qty, p.notify_stock_qty,
                                                d.notify_stock_qty) AS limit_qty) lim) x
                  GROUP BY x.source_code, x.sku) c
          WHERE c.low_now AND NOT coalesce(c.low_before, false)
          ORDER BY c.source_code, c.sku;
    ELSE
        PERFORM pg_notify('inventory_events', jsonb_build_object(
                    'type', 'low_stock', 'stock_id', NULL, 'source_code', n.source_code,
                    'sku', n.sku, 'quantity', n.quantity, 'notify_stock_qty', n.limit_qty)::text)
           FROM (SELECT x.source_code, x.sku, x.quantity,
                        coalesce(x.notify_stock_qty, p.notify_stock_qty, d.notify_stock_qty)
                            AS limit_qty
                   FROM new_rows x
                   JOIN inventory.source s ON s.source_code = x.source_code AND s.enabled
                   LEFT JOIN inventory.product p ON p.sku = x.sku
                  CROSS JOIN inventory.defaults d
                  WHERE x.status = 1 AND x.quantity > 0
                    AND x.quantity < coalesce(x.notify_stock_qty, p.notify_stock_qty,
                                              d.notify_stock_qty)) n
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
