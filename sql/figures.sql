-- Keeping inventory.stock_sku in step with the base tables.
--
-- Source-side figures (quantity, item counts, settings) are recomputed for
-- the SKUs a statement touched, from the base tables, after locking those
-- SKUs' rows in (stock, SKU) order. Taking the lock first and computing in a
-- later statement means the computation sees every transaction that held the
-- lock before: two sessions changing items of one SKU at once cannot lose
-- each other's change under READ COMMITTED, and place_order, which takes the
-- same row locks, sees source-item changes consistently.
--
-- Reservations only ever add to or take from `reserved`, so they apply a
-- delta (reservation.sql).
--
-- Every trigger here is statement-level over transition tables: one UPDATE
-- of 100,000 source items runs one set-based recomputation, not 100,000.

CREATE FUNCTION inventory.refresh_figures(skus text[])
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
BEGIN
    IF skus IS NULL OR cardinality(skus) = 0 THEN
        RETURN;
    END IF;

    -- The SKUs are joined as a set, never tested with = ANY (array): that is
    -- a linear scan of the array per row.

    -- Lock every row of these SKUs, and every (stock, SKU) that has an item in
    -- a linked source, in (stock, SKU) order, making the missing ones. One
    -- upsert does both: when a row it waits for is deleted by its holder (whose
    -- refresh found the SKU gone from that stock), it makes the row again and
    -- locks that, where a SELECT ... FOR UPDATE would skip it and this
    -- refresh would write nothing for a SKU this statement just stocked.
    INSERT INTO inventory.stock_sku AS k (stock_id, sku)
    SELECT w.stock_id, w.sku
      FROM (SELECT l.stock_id, si.sku
              FROM inventory.source_item si
              JOIN inventory.stock_source_link l ON l.source_code = si.source_code
             WHERE si.sku IN (SELECT unnest(skus))
            UNION
            SELECT kept.stock_id, kept.sku
              FROM inventory.stock_sku kept
             WHERE kept.sku IN (SELECT unnest(skus))) w
     ORDER BY 1, 2
    ON CONFLICT (stock_id, sku) DO UPDATE SET stock_id = k.stock_id WHERE false;

    -- A new statement, so a new snapshot: it sees what every earlier holder
    -- of these locks committed.
    WITH counted AS (
        SELECT l.stock_id, si.sku,
               coalesce(sum(si.quantity) FILTER (WHERE si.status = 1 AND src.enabled), 0) AS quantity,
               count(*)::integer AS items_assigned,
               count(*) FILTER (WHERE src.enabled)::integer AS items_enabled,
               count(*) FILTER (WHERE si.status = 1 AND src.enabled)::integer AS items_in_stock
          FROM inventory.source_item si
          JOIN inventory.stock_source_link l ON l.source_code = si.source_code
          JOIN inventory.source src ON src.source_code = si.source_code
         WHERE si.sku IN (SELECT unnest(skus))
         GROUP BY l.stock_id, si.sku
    ), fresh AS (
        SELECT k.stock_id, k.sku,
               coalesce(c.quantity, 0) AS quantity,
               coalesce(c.items_assigned, 0) AS items_assigned,
               coalesce(c.items_enabled, 0) AS items_enabled,
               coalesce(c.items_in_stock, 0) AS items_in_stock,
               coalesce(p.manage_stock, d.manage_stock) AS manage_stock,
               coalesce(p.backorders, d.backorders) AS backorders,
               inventory.stock_threshold(coalesce(p.min_qty, d.min_qty),
                                         coalesce(p.backorders, d.backorders),
                                         coalesce(p.notify_stock_qty, d.notify_stock_qty),
                                         d.notify_qty_reduces_salable) AS threshold
          FROM inventory.stock_sku k
          LEFT JOIN counted c ON c.stock_id = k.stock_id AND c.sku = k.sku
          LEFT JOIN inventory.product p ON p.sku = k.sku
          CROSS JOIN inventory.defaults d
         WHERE k.sku IN (SELECT unnest(skus))
    )
    UPDATE inventory.stock_sku k
       SET quantity = f.quantity,
           items_assigned = f.items_assigned,
           items_enabled = f.items_enabled,
           items_in_stock = f.items_in_stock,
           manage_stock = f.manage_stock,
           backorders = f.backorders,
           threshold = f.threshold
      FROM fresh f
     WHERE k.stock_id = f.stock_id AND k.sku = f.sku
       AND (k.quantity, k.items_assigned, k.items_enabled, k.items_in_stock,
            k.manage_stock, k.backorders, k.threshold)
           IS DISTINCT FROM
           (f.quantity, f.items_assigned, f.items_enabled, f.items_in_stock,
            f.manage_stock, f.backorders, f.threshold);

    -- Rows that no longer carry anything.
    DELETE FROM inventory.stock_sku
     WHERE sku IN (SELECT unnest(skus)) AND items_assigned = 0 AND reserved = 0;
END;
$$;
COMMENT ON FUNCTION inventory.refresh_figures(text[]) IS
    'Internal: recompute the kept figures of these SKUs in every stock, under their row locks';

-- The same discipline for what source selection reads: lock each SKU's row
-- (made when missing, or deleted by the holder it waited for), then
-- recompute it in a later statement.
CREATE FUNCTION inventory.refresh_holdings(skus text[])
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
BEGIN
    IF skus IS NULL OR cardinality(skus) = 0 THEN
        RETURN;
    END IF;

    INSERT INTO inventory.sku_holding AS h (sku, source_codes, units)
    SELECT DISTINCT s.sku COLLATE inventory.sku_ci, '{}'::text[], '{}'::bigint[]
      FROM unnest(skus) AS s(sku)
     ORDER BY 1
    ON CONFLICT (sku) DO UPDATE SET sku = h.sku WHERE false;

    -- Each SKU's items are aggregated beside it (one index scan each), so the
    -- plan is one row per SKU whatever the statistics say: a grouped join of
    -- the items, estimated from a status column analyzed before this
    -- statement flipped it, can be planned as one row and rescanned per SKU.
    UPDATE inventory.sku_holding h
       SET source_codes = f.source_codes, units = f.units
      FROM (SELECT s.sku,
                   coalesce(a.source_codes, '{}') AS source_codes,
                   coalesce(a.units, '{}') AS units
              FROM unnest(skus) AS s(sku)
              CROSS JOIN LATERAL (
                    SELECT array_agg(si.source_code ORDER BY si.source_code) AS source_codes,
                           array_agg((si.quantity * 10000)::bigint ORDER BY si.source_code)
                               AS units
                      FROM inventory.source_item si
                     WHERE si.sku = s.sku AND si.status = 1) a) f
     WHERE h.sku = f.sku
       AND (h.source_codes, h.units) IS DISTINCT FROM (f.source_codes, f.units);

    -- SKUs no source holds in stock any more.
    DELETE FROM inventory.sku_holding h
     WHERE h.sku IN (SELECT unnest(skus)) AND cardinality(h.units) = 0;
END;
$$;
COMMENT ON FUNCTION inventory.refresh_holdings(text[]) IS
    'Internal: recompute what source selection reads for these SKUs, under their row locks';

-- The figures as a full recomputation from the base tables would give them.
CREATE FUNCTION inventory.recomputed_figures()
RETURNS TABLE (stock_id integer, sku text, quantity numeric, reserved numeric,
               items_assigned integer, items_enabled integer, items_in_stock integer,
               manage_stock boolean, backorders smallint, threshold numeric)
LANGUAGE sql STABLE
SET search_path = pg_catalog, inventory, pg_temp
AS $$
    WITH items AS (
        SELECT l.stock_id, si.sku,
               coalesce(sum(si.quantity) FILTER (WHERE si.status = 1 AND src.enabled), 0) AS quantity,
               count(*)::integer AS items_assigned,
               count(*) FILTER (WHERE src.enabled)::integer AS items_enabled,
               count(*) FILTER (WHERE si.status = 1 AND src.enabled)::integer AS items_in_stock
          FROM inventory.source_item si
          JOIN inventory.stock_source_link l ON l.source_code = si.source_code
          JOIN inventory.source src ON src.source_code = si.source_code
         GROUP BY l.stock_id, si.sku
    ), held AS (
        SELECT r.stock_id, r.sku, sum(r.quantity) AS reserved
          FROM inventory.reservation r
         GROUP BY r.stock_id, r.sku
    ), joined AS (
        SELECT coalesce(i.stock_id, h.stock_id) AS stock_id,
               coalesce(i.sku, h.sku) AS sku,
               coalesce(i.quantity, 0) AS quantity,
               coalesce(h.reserved, 0) AS reserved,
               coalesce(i.items_assigned, 0) AS items_assigned,
               coalesce(i.items_enabled, 0) AS items_enabled,
               coalesce(i.items_in_stock, 0) AS items_in_stock
          FROM items i
          FULL JOIN held h ON h.stock_id = i.stock_id AND h.sku = i.sku
    )
    SELECT j.stock_id, j.sku, j.quantity, j.reserved,
           j.items_assigned, j.items_enabled, j.items_in_stock,
           coalesce(p.manage_stock, d.manage_stock),
           coalesce(p.backorders, d.backorders),
           inventory.stock_threshold(coalesce(p.min_qty, d.min_qty),
                                     coalesce(p.backorders, d.backorders),
                                     coalesce(p.notify_stock_qty, d.notify_stock_qty),
                                     d.notify_qty_reduces_salable)
      FROM joined j
      LEFT JOIN inventory.product p ON p.sku = j.sku
      CROSS JOIN inventory.defaults d
     WHERE (j.items_assigned > 0 OR j.reserved <> 0)
       AND EXISTS (SELECT 1 FROM inventory.stock st WHERE st.stock_id = j.stock_id);
$$;
COMMENT ON FUNCTION inventory.recomputed_figures() IS
    'The per-(stock, SKU) figures recomputed from the base tables (slow: sums everything)';

CREATE FUNCTION inventory.figure_differences()
RETURNS TABLE (stock_id integer, sku text, field text, kept text, recomputed text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, inventory, pg_temp
AS $$
    WITH kept AS (
        SELECT k.stock_id, k.sku, k.quantity, k.reserved, k.items_assigned, k.items_enabled,
               k.items_in_stock, k.manage_stock, k.backorders, k.threshold
          FROM inventory.stock_sku k
         WHERE k.items_assigned > 0 OR k.reserved <> 0
    )
    SELECT coalesce(k.stock_id, f.stock_id), coalesce(k.sku, f.sku), v.field, v.kept, v.fresh
      FROM kept k
      FULL JOIN inventory.recomputed_figures() f ON f.stock_id = k.stock_id AND f.sku = k.sku
     CROSS JOIN LATERAL (VALUES
            ('row', CASE WHEN k.sku IS NULL THEN 'missing' ELSE 'present' END,
                    CASE WHEN f.sku IS NULL THEN 'missing' ELSE 'present' END),
            ('quantity', k.quantity::text, f.quantity::text),
            ('reserved', k.reserved::text, f.reserved::text),
            ('items_assigned', k.items_assigned::text, f.items_assigned::text),
            ('items_enabled', k.items_enabled::text, f.items_enabled::text),
            ('items_in_stock', k.items_in_stock::text, f.items_in_stock::text),
            ('manage_stock', k.manage_stock::text, f.manage_stock::text),
            ('backorders', k.backorders::text, f.backorders::text),
            ('threshold', k.threshold::text, f.threshold::text)
     ) AS v(field, kept, fresh)
     WHERE CASE WHEN v.field = 'row' THEN v.kept <> v.fresh
                WHEN k.sku IS NULL OR f.sku IS NULL THEN false
                WHEN v.field = 'manage_stock' THEN v.kept IS DISTINCT FROM v.fresh
                ELSE v.kept::numeric IS DISTINCT FROM v.fresh::numeric END
    UNION ALL
    -- What source selection reads, per SKU: no stock.
    SELECT NULL, coalesce(h.sku, r.sku), 'holdings',
           h.source_codes::text || ' ' || h.units::text,
           r.source_codes::text || ' ' || r.units::text
      FROM inventory.sku_holding h
      FULL JOIN (SELECT si.sku,
                        array_agg(si.source_code ORDER BY si.source_code) AS source_codes,
                        array_agg((si.quantity * 10000)::bigint ORDER BY si.source_code) AS units
                   FROM inventory.source_item si
                  WHERE si.status = 1
                  GROUP BY si.sku) r ON r.sku = h.sku
     WHERE (h.source_codes, h.units) IS DISTINCT FROM (r.source_codes, r.units)
     ORDER BY 1, 2, 3;
$$;
COMMENT ON FUNCTION inventory.figure_differences() IS
    'Every kept figure (and SKU holding, with a NULL stock) that differs from a full recomputation; empty when all are right';

CREATE FUNCTION inventory.rebuild_figures()
RETURNS bigint
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    n bigint;
BEGIN
    LOCK TABLE inventory.stock_sku IN EXCLUSIVE MODE;
    DELETE FROM inventory.stock_sku;
    INSERT INTO inventory.stock_sku (stock_id, sku, quantity, reserved, items_assigned,
                                     items_enabled, items_in_stock, manage_stock, backorders,
                                     threshold)
    SELECT * FROM inventory.recomputed_figures();
    GET DIAGNOSTICS n = ROW_COUNT;

    LOCK TABLE inventory.sku_holding IN EXCLUSIVE MODE;
    DELETE FROM inventory.sku_holding;
    PERFORM inventory.refresh_holdings(ARRAY(SELECT DISTINCT si.sku FROM inventory.source_item si
                                              WHERE si.status = 1));
    RETURN n;
END;
$$;
COMMENT ON FUNCTION inventory.rebuild_figures() IS
    'Throw away and recompute every kept figure and SKU holding from the base tables; returns the figure rows written';

-- Statement-level trigger functions: gather the SKUs a statement touched.

-- Source items and product settings both name their SKU: the figures of
-- every stock holding those SKUs are recomputed, and for source items what
-- source selection reads of them.
CREATE FUNCTION inventory.skus_changed()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    skus text[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT n.sku) INTO skus FROM new_rows n;
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT o.sku) INTO skus FROM old_rows o;
    ELSE
        SELECT array_agg(DISTINCT x.sku) INTO skus
          FROM (SELECT n.sku FROM new_rows n UNION ALL SELECT o.sku FROM old_rows o) x;
    END IF;

    IF TG_OP <> 'DELETE' THEN
        PERFORM inventory.refuse_items_of_composites(skus);
    END IF;
    PERFORM inventory.refresh_figures(skus);
    IF TG_TABLE_NAME = 'source_item' THEN
        PERFORM inventory.refresh_holdings(skus);
    END IF;
    RETURN NULL;
END;
$$;

CREATE FUNCTION inventory.refuse_items_of_composites(skus text[])
RETURNS void
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    bad record;
BEGIN
    SELECT p.sku, p.type_id INTO bad
      FROM inventory.product p
     WHERE p.sku IN (SELECT unnest(skus))
       AND p.type_id NOT IN ('simple', 'virtual', 'downloadable')
       AND EXISTS (SELECT 1 FROM inventory.source_item si WHERE si.sku = p.sku)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'product % is of type %, which carries no source items', bad.sku, bad.type_id
            USING ERRCODE = 'check_violation',
                  HINT = 'Only simple, virtual and downloadable products have source items.';
    END IF;
END;
$$;

CREATE TRIGGER figures_after_insert AFTER INSERT ON inventory.source_item
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.skus_changed();
CREATE TRIGGER figures_after_update AFTER UPDATE ON inventory.source_item
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.skus_changed();
CREATE TRIGGER figures_after_delete AFTER DELETE ON inventory.source_item
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.skus_changed();

-- A source enabled or disabled changes the figures of every SKU it holds.
CREATE FUNCTION inventory.source_changed()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    skus text[];
BEGIN
    IF NOT EXISTS (SELECT 1 FROM new_rows n JOIN old_rows o USING (source_code)
                    WHERE n.enabled IS DISTINCT FROM o.enabled) THEN
        RETURN NULL;
    END IF;
    -- Wait for every transaction writing source items and keep new ones out
    -- until this one ends: a SKU whose figures row another writer is creating
    -- right now would otherwise miss this change.
    LOCK TABLE inventory.source_item IN SHARE MODE;
    SELECT array_agg(DISTINCT si.sku) INTO skus
      FROM inventory.source_item si
     WHERE si.source_code IN (
            SELECT n.source_code FROM new_rows n JOIN old_rows o USING (source_code)
             WHERE n.enabled IS DISTINCT FROM o.enabled);
    PERFORM inventory.refresh_figures(skus);
    RETURN NULL;
END;
$$;
CREATE TRIGGER figures_after_update AFTER UPDATE ON inventory.source
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.source_changed();

-- A link added, removed or moved changes the figures of every SKU its source holds.
CREATE FUNCTION inventory.link_changed()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    skus text[];
BEGIN
    -- As for a source enabled or disabled: no source-item writer may be
    -- creating figures rows for the stocks of these links meanwhile.
    LOCK TABLE inventory.source_item IN SHARE MODE;
    IF TG_OP = 'INSERT' THEN
        SELECT array_agg(DISTINCT si.sku) INTO skus FROM inventory.source_item si
         WHERE si.source_code IN (SELECT n.source_code FROM new_rows n);
    ELSIF TG_OP = 'DELETE' THEN
        SELECT array_agg(DISTINCT si.sku) INTO skus FROM inventory.source_item si
         WHERE si.source_code IN (SELECT o.source_code FROM old_rows o);
    ELSE
        SELECT array_agg(DISTINCT si.sku) INTO skus FROM inventory.source_item si
         WHERE si.source_code IN (
                SELECT n.source_code FROM new_rows n
                UNION SELECT o.source_code FROM old_rows o);
    END IF;
    PERFORM inventory.refresh_figures(skus);
    RETURN NULL;
END;
$$;
CREATE TRIGGER figures_after_insert AFTER INSERT ON inventory.stock_source_link
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.link_changed();
CREATE TRIGGER figures_after_update AFTER UPDATE ON inventory.stock_source_link
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.link_changed();
CREATE TRIGGER figures_after_delete AFTER DELETE ON inventory.stock_source_link
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.link_changed();

-- Product settings feed the threshold and manage_stock of every stock the SKU is in.
CREATE TRIGGER figures_after_insert AFTER INSERT ON inventory.product
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.skus_changed();
CREATE TRIGGER figures_after_update AFTER UPDATE ON inventory.product
    REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.skus_changed();
CREATE TRIGGER figures_after_delete AFTER DELETE ON inventory.product
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.skus_changed();

-- A change of the defaults can move any SKU's settings: recompute them all.
CREATE FUNCTION inventory.defaults_changed()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
BEGIN
    PERFORM inventory.refresh_figures(ARRAY(SELECT k.sku FROM inventory.stock_sku k));
    RETURN NULL;
END;
$$;
CREATE TRIGGER figures_after_update AFTER UPDATE ON inventory.defaults
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.defaults_changed();

-- TRUNCATE fires no row events: recompute everything.
CREATE FUNCTION inventory.truncated()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
BEGIN
    PERFORM inventory.rebuild_figures();
    RETURN NULL;
END;
$$;
CREATE TRIGGER figures_after_truncate AFTER TRUNCATE ON inventory.source_item
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.truncated();
CREATE TRIGGER figures_after_truncate AFTER TRUNCATE ON inventory.product
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.truncated();
