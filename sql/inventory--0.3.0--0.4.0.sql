-- inventory 0.3.0 -> 0.4.0: source selection reads one row per SKU.
--
-- What changed:
--   the new table inventory.sku_holding keeps, per SKU, its in-stock source
--   items as two arrays (source codes, quantities in ten-thousandths), kept
--   by the source items' triggers under the SKU's row lock, like the figures;
--   select_sources_text (the body of select_sources) reads it instead of one
--   source item per source, through a new C symbol; the old symbol stays in
--   the library and reads the source items, so a database still at 0.3.0
--   keeps working with the new library until it is updated; both return
--   their rows in materialize mode (one call fills the result);
--   rebuild_figures() rebuilds it too, and figure_differences() checks it
--   (rows with field 'holdings' and no stock);
--   refresh_figures locks the kept rows with an upsert: a row it waited for
--   that its holder deleted (the SKU gone from that stock) is made again,
--   where SELECT ... FOR UPDATE skipped it and the figures of an item
--   stocked at that moment were lost.
-- New: the table inventory.sku_holding and the internal function
-- inventory.refresh_holdings.

-- What source selection reads: per SKU, every in-stock source item, whichever
-- stock its source serves, as two arrays in source-code order. One row per SKU
-- instead of one item per source: selecting for 10 SKUs over 50 sources reads
-- 10 rows, not 500 scattered items. Kept by the source items' triggers
-- (figures.sql) and checked by inventory.figure_differences().
CREATE TABLE inventory.sku_holding (
    sku text COLLATE inventory.sku_ci PRIMARY KEY,
    source_codes text[] NOT NULL,
    units bigint[] NOT NULL
);
COMMENT ON TABLE inventory.sku_holding IS
    'Kept for source selection: the in-stock source items of each SKU, maintained by triggers';
COMMENT ON COLUMN inventory.sku_holding.source_codes IS
    'The sources holding the SKU in stock (status 1), in source-code order';
COMMENT ON COLUMN inventory.sku_holding.units IS
    'Their quantities times 10,000 (a source item has at most 4 decimals), in the same order';

CREATE OR REPLACE FUNCTION inventory.refresh_figures(skus text[])
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

CREATE OR REPLACE FUNCTION inventory.skus_changed()
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
ALTER FUNCTION inventory.skus_changed() SECURITY DEFINER;

CREATE OR REPLACE FUNCTION inventory.rebuild_figures()
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
ALTER FUNCTION inventory.rebuild_figures() SECURITY DEFINER;

CREATE OR REPLACE FUNCTION inventory.figure_differences()
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

-- Source selection reads the holdings.
CREATE OR REPLACE FUNCTION inventory."select_sources_text"(
	"stock_id" INT,
	"items" TEXT,
	"algorithm" TEXT,
	"destination" TEXT
) RETURNS TABLE (
	"sku" TEXT,
	"source_code" TEXT,
	"qty_to_deduct" NUMERIC,
	"qty_available" NUMERIC
)
STABLE
LANGUAGE c
AS 'MODULE_PATHNAME', 'select_sources_held_wrapper';

-- The holdings of the items already there.
SELECT inventory.refresh_holdings(ARRAY(SELECT DISTINCT si.sku FROM inventory.source_item si
                                         WHERE si.status = 1));

-- As the tail of a fresh install grants them: readers read every table; the
-- new function is the triggers' own.
GRANT SELECT ON inventory.sku_holding TO inventory_reader;
REVOKE ALL ON FUNCTION inventory.refresh_holdings(text[]) FROM PUBLIC;
