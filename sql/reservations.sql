-- The reservation ledger: append-only, never releasing more than an order
-- holds, and applied to the kept figures in the same transaction.
--
-- The extension's own SQLSTATEs (class IN):
--   IN001  not enough salable quantity (place_order)
--   IN002  a shipment the source cannot fill
--   IN003  a compensation beyond what an order still holds
--   IN004  a change the append-only reservation ledger refuses

CREATE FUNCTION inventory.reservations_added()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    bad record;
    created text[];
    groups bigint;
    done_stocks integer[];
    done_skus text[];
BEGIN
    -- An order's reservations for a (stock, SKU) never sum above 0; one
    -- without an order may only hold stock. Every earlier statement kept both
    -- rules, so only rows that give stock back (a positive quantity) can
    -- break them, and only for an order whose new rows add up above 0:
    -- placing an order checks nothing here.
    IF EXISTS (SELECT 1 FROM new_rows n WHERE n.quantity > 0) THEN
        SELECT g.order_id, g.stock_id, g.sku, g.total INTO bad
          FROM (
                SELECT n.order_id, n.stock_id, n.sku,
                       (SELECT sum(r.quantity) FROM inventory.reservation r
                         WHERE r.order_id = n.order_id AND r.stock_id = n.stock_id
                           AND r.sku = n.sku) AS total
                  FROM (SELECT order_id, stock_id, sku FROM new_rows
                         WHERE order_id IS NOT NULL
                         GROUP BY order_id, stock_id, sku
                        HAVING sum(quantity) > 0) n
                UNION ALL
                SELECT NULL, n.stock_id, n.sku, n.quantity
                  FROM new_rows n
                 WHERE n.order_id IS NULL AND n.quantity > 0
          ) g
         WHERE g.total > 0
         LIMIT 1;
        IF FOUND THEN
            RAISE EXCEPTION 'reservation would release % more of SKU "%" in stock % than order % holds',
                bad.total, bad.sku, bad.stock_id, coalesce(bad.order_id, '(none)')
                USING ERRCODE = 'IN003',
                      DETAIL = 'An order''s reservations for a SKU in a stock never sum above 0.';
        END IF;
    END IF;

    -- One UPDATE applies the sums to the kept rows (an upsert would fire the
    -- INSERT triggers of the kept figures on every call as well). A (stock,
    -- SKU) it did not reach has no kept row: none yet, or one that a
    -- concurrent transaction deleted before this one could lock it. Those
    -- few are upserted.
    WITH delta AS (
        SELECT n.stock_id, n.sku, sum(n.quantity) AS quantity
          FROM new_rows n
         GROUP BY n.stock_id, n.sku
    ), applied AS (
        UPDATE inventory.stock_sku k
           SET reserved = k.reserved + d.quantity
          FROM delta d
         WHERE k.stock_id = d.stock_id AND k.sku = d.sku
        RETURNING k.stock_id, k.sku
    )
    SELECT (SELECT count(*) FROM delta), array_agg(a.stock_id), array_agg(a.sku)
      INTO groups, done_stocks, done_skus
      FROM applied a;
    IF coalesce(cardinality(done_skus), 0) < groups THEN
        WITH made AS (
            INSERT INTO inventory.stock_sku AS k (stock_id, sku, reserved)
            SELECT d.stock_id, d.sku, d.quantity
              FROM (SELECT n.stock_id, n.sku, sum(n.quantity) AS quantity
                      FROM new_rows n
                     GROUP BY n.stock_id, n.sku) d
              LEFT JOIN unnest(done_stocks, done_skus) AS u(stock_id, sku)
                     ON u.stock_id = d.stock_id AND u.sku = d.sku
             WHERE u.sku IS NULL
             ORDER BY d.stock_id, d.sku
            ON CONFLICT (stock_id, sku) DO UPDATE SET reserved = k.reserved + EXCLUDED.reserved
            RETURNING k.sku, (xmax = 0) AS inserted
        )
        SELECT array_agg(m.sku) FILTER (WHERE m.inserted) INTO created FROM made m;
    END IF;

    -- A row created here has no settings yet.
    IF created IS NOT NULL THEN
        PERFORM inventory.refresh_figures(created);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER figures_after_insert AFTER INSERT ON inventory.reservation
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.reservations_added();

CREATE FUNCTION inventory.reservations_removed()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    bad record;
BEGIN
    SELECT o.order_id, o.stock_id, o.sku, sum(o.quantity) AS total INTO bad
      FROM old_rows o
     GROUP BY o.order_id, o.stock_id, o.sku
    HAVING sum(o.quantity) <> 0
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'reservations of order % for SKU "%" in stock % can only be removed when they sum to 0',
            coalesce(bad.order_id, '(none)'), bad.sku, bad.stock_id
            USING ERRCODE = 'IN004',
                  DETAIL = format('The rows removed sum to %s.', bad.total),
                  HINT = 'Use inventory.cleanup_reservations().';
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER ledger_after_delete AFTER DELETE ON inventory.reservation
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.reservations_removed();

CREATE FUNCTION inventory.reservations_frozen()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'the reservation ledger is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'IN004',
              HINT = 'Compensate with a new reservation through the order functions.';
END;
$$;
CREATE TRIGGER ledger_before_update BEFORE UPDATE ON inventory.reservation
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.reservations_frozen();
CREATE TRIGGER ledger_before_truncate BEFORE TRUNCATE ON inventory.reservation
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.reservations_frozen();

CREATE FUNCTION inventory.cleanup_reservations()
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    -- Per order and per (stock, SKU): a half-shipped order of several SKUs
    -- keeps the holds of the SKUs still open.
    WITH settled AS (
        SELECT r.order_id, r.stock_id, r.sku
          FROM inventory.reservation r
         WHERE r.order_id IS NOT NULL
         GROUP BY r.order_id, r.stock_id, r.sku
        HAVING sum(r.quantity) = 0
    )
    DELETE FROM inventory.reservation r
     USING settled s
     WHERE r.order_id = s.order_id AND r.stock_id = s.stock_id AND r.sku = s.sku;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END;
$$;
COMMENT ON FUNCTION inventory.cleanup_reservations() IS
    'Delete the reservations of each order for a (stock, SKU) that sum to 0; returns rows deleted';

CREATE FUNCTION inventory.reservation_inconsistencies()
RETURNS TABLE (stock_id integer, sku text, order_id text, expected numeric, actual numeric,
               problem text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, inventory, pg_temp
AS $$
    WITH expected AS (
        SELECT i.stock_id, i.sku, i.order_id,
               sum(CASE WHEN i.reserves THEN -i.qty_open ELSE 0 END) AS quantity
          FROM inventory.order_item i
         GROUP BY i.stock_id, i.sku, i.order_id
    ), actual AS (
        SELECT r.stock_id, r.sku, r.order_id, sum(r.quantity) AS quantity
          FROM inventory.reservation r
         WHERE r.order_id IS NOT NULL
         GROUP BY r.stock_id, r.sku, r.order_id
    )
    SELECT coalesce(e.stock_id, a.stock_id), coalesce(e.sku, a.sku),
           coalesce(e.order_id, a.order_id),
           coalesce(e.quantity, 0), coalesce(a.quantity, 0),
           'order reservations differ from its open lines'
      FROM expected e
      FULL JOIN actual a
        ON a.stock_id = e.stock_id AND a.sku = e.sku AND a.order_id = e.order_id
     WHERE coalesce(e.quantity, 0) <> coalesce(a.quantity, 0)
    UNION ALL
    SELECT f.stock_id, f.sku, NULL, f.recomputed::numeric, f.kept::numeric,
           format('kept %s differs from a recomputation', f.field)
      FROM inventory.figure_differences() f
     WHERE f.field IN ('quantity', 'reserved', 'threshold', 'items_assigned', 'items_enabled',
                       'items_in_stock', 'backorders')
    UNION ALL
    SELECT f.stock_id, f.sku, NULL, NULL, NULL,
           format('kept %s is %s, a recomputation gives %s', f.field, f.kept, f.recomputed)
      FROM inventory.figure_differences() f
     WHERE f.field NOT IN ('quantity', 'reserved', 'threshold', 'items_assigned', 'items_enabled',
                           'items_in_stock', 'backorders');
$$;
COMMENT ON FUNCTION inventory.reservation_inconsistencies() IS
    'Open orders whose reservations differ from their lines, and kept figures that differ from a recomputation';
