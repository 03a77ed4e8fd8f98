-- Moving stock in bulk: assign, unassign, transfer, partial transfer; the
-- COPY landing table; the export and low-stock views. Every operation is one
-- set-based statement per step, so 100,000 SKUs cost one pass each, and the
-- kept figures follow through the statement-level triggers of figures.sql.

CREATE FUNCTION inventory.require_sources(source_codes text[])
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    unknown text;
BEGIN
    IF source_codes IS NULL THEN
        RAISE EXCEPTION 'source codes must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF array_ndims(source_codes) > 1 THEN
        RAISE EXCEPTION 'source codes must be a one-dimensional array'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF array_position(source_codes, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'source codes must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT string_agg(DISTINCT inventory.shown(c), ', ') INTO unknown
      FROM unnest(source_codes) c
     WHERE NOT EXISTS (SELECT 1 FROM inventory.source s WHERE s.source_code = c);
    IF unknown IS NOT NULL THEN
        RAISE EXCEPTION 'unknown source: %', unknown USING ERRCODE = 'undefined_object';
    END IF;
END;
$$;
COMMENT ON FUNCTION inventory.require_sources(text[]) IS
    'Internal: raise 42704 naming every source code that does not exist';

CREATE FUNCTION inventory.require_skus(skus text[])
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    bad text;
BEGIN
    IF skus IS NULL THEN
        RAISE EXCEPTION 'SKUs must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF array_ndims(skus) > 1 THEN
        RAISE EXCEPTION 'SKUs must be a one-dimensional array'
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF array_position(skus, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'SKUs must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    SELECT k INTO bad FROM unnest(skus) k WHERE NOT inventory.valid_sku(k) LIMIT 1;
    IF FOUND THEN
        PERFORM inventory.require_sku(bad);
    END IF;
END;
$$;
COMMENT ON FUNCTION inventory.require_skus(text[]) IS
    'Internal: raise 22023 for the first invalid SKU of a list (22004 for NULLs)';

-- SKUs that carry source items: those without a product row (the defaults,
-- type simple) and simple, virtual and downloadable products.
CREATE FUNCTION inventory.stockable(skus text[])
RETURNS TABLE (sku text)
LANGUAGE sql STABLE
SET search_path = pg_catalog, inventory, pg_temp
AS $$
    SELECT DISTINCT k
      FROM unnest(skus) k
     WHERE NOT EXISTS (SELECT 1 FROM inventory.product p
                        WHERE p.sku = k AND p.type_id NOT IN ('simple', 'virtual', 'downloadable'));
$$;
COMMENT ON FUNCTION inventory.stockable(text[]) IS
    'Internal: the SKUs of a list that carry source items (composites left out)';

CREATE FUNCTION inventory.bulk_assign_sources(skus text[], source_codes text[])
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    PERFORM inventory.require_skus(skus);
    PERFORM inventory.require_sources(source_codes);
    INSERT INTO inventory.source_item (source_code, sku, quantity, status)
    SELECT DISTINCT c, k.sku, 0, 0
      FROM inventory.stockable(skus) k
     CROSS JOIN unnest(source_codes) c
    ON CONFLICT (source_code, sku) DO NOTHING;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END;
$$;
COMMENT ON FUNCTION inventory.bulk_assign_sources(text[], text[]) IS
    'Create a source item (quantity 0, out of stock) for every (SKU, source) pair that lacks one; returns how many';

CREATE FUNCTION inventory.bulk_unassign_sources(skus text[], source_codes text[])
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    PERFORM inventory.require_skus(skus);
    PERFORM inventory.require_sources(source_codes);
    DELETE FROM inventory.source_item si
     WHERE si.source_code IN (SELECT unnest(source_codes))
       AND si.sku IN (SELECT unnest(skus));
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END;
$$;
COMMENT ON FUNCTION inventory.bulk_unassign_sources(text[], text[]) IS
    'Delete the source items of these SKUs at these sources (open orders keep their reservations); returns how many';

CREATE FUNCTION inventory.bulk_transfer(skus text[], origin text, destination text,
                                        unassign_origin boolean DEFAULT false)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    n integer;
BEGIN
    PERFORM inventory.require_skus(skus);
    PERFORM inventory.require_sources(ARRAY[origin, destination]);
    IF unassign_origin IS NULL THEN
        RAISE EXCEPTION 'unassign_origin must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF origin = destination THEN
        RAISE EXCEPTION 'origin and destination are both %: a transfer needs two sources',
            inventory.shown(origin)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    -- The destination gets origin + destination quantity and the origin's
    -- status; SKUs without an item at the origin are skipped.
    WITH moved AS (
        SELECT si.sku, si.quantity, si.status, si.notify_stock_qty
          FROM inventory.source_item si
         WHERE si.source_code = origin
           AND si.sku IN (SELECT s.sku FROM inventory.stockable(skus) s)
         ORDER BY si.sku
           FOR UPDATE
    )
    INSERT INTO inventory.source_item AS d (source_code, sku, quantity, status, notify_stock_qty)
    SELECT destination, m.sku, m.quantity, m.status, m.notify_stock_qty FROM moved m
    ON CONFLICT (source_code, sku) DO UPDATE
       SET quantity = d.quantity + EXCLUDED.quantity,
           status = EXCLUDED.status,
           notify_stock_qty = coalesce(d.notify_stock_qty, EXCLUDED.notify_stock_qty);
    GET DIAGNOSTICS n = ROW_COUNT;

    IF unassign_origin THEN
        DELETE FROM inventory.source_item si
         WHERE si.source_code = origin AND si.sku IN (SELECT s.sku FROM inventory.stockable(skus) s);
    ELSE
        UPDATE inventory.source_item si
           SET quantity = 0, status = 0
         WHERE si.source_code = origin AND si.sku IN (SELECT s.sku FROM inventory.stockable(skus) s)
           AND (si.quantity, si.status) IS DISTINCT FROM (0::numeric, 0::smallint);
    END IF;
    RETURN n;
END;
$$;
COMMENT ON FUNCTION inventory.bulk_transfer(text[], text, text, boolean) IS
    'Move the whole quantity of each SKU from one source to another; returns the SKUs moved';

CREATE FUNCTION inventory.partial_transfer(origin text, destination text, items jsonb)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    bad record;
    n integer;
BEGIN
    PERFORM inventory.require_sources(ARRAY[origin, destination]);
    IF origin = destination THEN
        RAISE EXCEPTION 'origin and destination are both %: a transfer needs two sources',
            inventory.shown(origin)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;

    PERFORM inventory.require_whole_quantities(items);
    CREATE TEMP TABLE inventory_partial ON COMMIT DROP AS
    SELECT l.sku, l.qty, o.quantity AS at_origin, (d.sku IS NOT NULL) AS at_destination
      FROM inventory.parse_items(items, 'items') l
      LEFT JOIN LATERAL (SELECT si.quantity FROM inventory.source_item si
                          WHERE si.source_code = origin AND si.sku = l.sku FOR UPDATE) o ON true
      LEFT JOIN LATERAL (SELECT si.sku FROM inventory.source_item si
                          WHERE si.source_code = destination AND si.sku = l.sku FOR UPDATE) d ON true;

    SELECT * INTO bad FROM pg_temp.inventory_partial p
     WHERE p.at_origin IS NULL OR NOT p.at_destination OR p.at_origin < p.qty
     ORDER BY p.sku LIMIT 1;
    IF FOUND THEN
        DROP TABLE pg_temp.inventory_partial;
        IF bad.at_origin IS NULL THEN
            RAISE EXCEPTION 'source % has no item for SKU "%"', origin, bad.sku
                USING ERRCODE = 'undefined_object';
        ELSIF NOT bad.at_destination THEN
            RAISE EXCEPTION 'source % has no item for SKU "%"', destination, bad.sku
                USING ERRCODE = 'undefined_object',
                      HINT = 'Assign the SKU to the destination first (inventory.bulk_assign_sources).';
        END IF;
        RAISE EXCEPTION 'source % holds % of SKU "%", cannot transfer %',
            origin, bad.at_origin, bad.sku, bad.qty
            USING ERRCODE = 'IN002';
    END IF;

    UPDATE inventory.source_item si
       SET quantity = si.quantity + CASE WHEN si.source_code = origin THEN -p.qty ELSE p.qty END,
           status = CASE WHEN si.source_code = destination THEN 1 ELSE si.status END
      FROM pg_temp.inventory_partial p
     WHERE si.sku = p.sku AND si.source_code IN (origin, destination);
    SELECT count(*) INTO n FROM pg_temp.inventory_partial;
    DROP TABLE pg_temp.inventory_partial;
    RETURN n;
END;
$$;
COMMENT ON FUNCTION inventory.partial_transfer(text, text, jsonb) IS
    'Move given quantities of SKUs between two sources that both hold them; returns the SKUs moved';

CREATE VIEW inventory.source_item_export AS
SELECT si.source_code, si.sku, si.status, si.quantity
  FROM inventory.source_item si
 ORDER BY si.source_code, si.sku;
COMMENT ON VIEW inventory.source_item_export IS
    'Every source item in Magento''s stock_sources format: COPY (SELECT * FROM inventory.source_item_export) TO STDOUT CSV HEADER';

CREATE VIEW inventory.low_stock AS
SELECT si.source_code, si.sku, p.name, si.quantity,
       coalesce(si.notify_stock_qty, p.notify_stock_qty, d.notify_stock_qty) AS notify_stock_qty
  FROM inventory.source_item si
  JOIN inventory.source s ON s.source_code = si.source_code
  LEFT JOIN inventory.product p ON p.sku = si.sku
 CROSS JOIN inventory.defaults d
 WHERE s.enabled AND si.status = 1 AND si.quantity > 0
   AND si.quantity < coalesce(si.notify_stock_qty, p.notify_stock_qty, d.notify_stock_qty);
COMMENT ON VIEW inventory.low_stock IS
    'In-stock items of enabled sources below their notify quantity (the item''s, else the product''s, else the default)';

-- COPY lands here: a DBA can `\copy inventory.source_item_import FROM 'file.csv'
-- WITH (FORMAT csv, HEADER)` a file of a million rows. The statement-level
-- trigger validates every row (COPY itself reports type errors with their
-- line), then upserts all into inventory.source_item and empties the table:
-- it never holds rows after the statement.
CREATE UNLOGGED TABLE inventory.source_item_import (
    source_code text,
    sku text COLLATE inventory.sku_ci,
    status smallint DEFAULT 1,
    quantity numeric
);
COMMENT ON TABLE inventory.source_item_import IS
    'COPY target for source items in stock_sources format (source_code, sku, status, quantity); rows are validated and upserted into inventory.source_item';

CREATE FUNCTION inventory.source_items_copied()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    rejected boolean;
    problems text;
    problem_count bigint;
BEGIN
    -- One pass decides whether every row is good; the report of every bad
    -- line with its reason is only built for a file that is not. The same
    -- (source, SKU) twice is left to the upsert, which refuses to change a
    -- row twice in one statement.
    SELECT EXISTS (
        SELECT 1 FROM new_rows x
         WHERE x.source_code IS NULL
            OR x.source_code NOT IN (SELECT s.source_code FROM inventory.source s)
            OR x.sku IS NULL OR NOT inventory.valid_sku(x.sku)
            OR x.status IS NULL OR x.status NOT IN (0, 1)
            OR x.quantity IS NULL OR x.quantity = 'NaN' OR abs(x.quantity) >= 1e8
            OR x.quantity <> round(x.quantity, 4))
      INTO rejected;
    IF NOT rejected THEN
        BEGIN
            INSERT INTO inventory.source_item AS si (source_code, sku, status, quantity)
            SELECT n.source_code, n.sku, n.status, n.quantity FROM new_rows n
             ORDER BY n.sku, n.source_code
            ON CONFLICT (source_code, sku) DO UPDATE
               SET status = EXCLUDED.status, quantity = EXCLUDED.quantity;
            DELETE FROM inventory.source_item_import;
            RETURN NULL;
        EXCEPTION WHEN cardinality_violation THEN
            -- A (source, SKU) given twice: the report below names its lines.
            NULL;
        END;
    END IF;

    -- A transition table is read back in the order its rows were inserted,
    -- which for COPY is the order of the file: row n is line n + 1.
    WITH numbered AS (
        SELECT n.*, row_number() OVER () + 1 AS line FROM new_rows n
    ), bad AS (
        SELECT b.line, b.reason
          FROM numbered x
         CROSS JOIN LATERAL (
                SELECT x.line, r.reason FROM (VALUES
                    (x.source_code IS NULL OR NOT EXISTS (
                         SELECT 1 FROM inventory.source s WHERE s.source_code = x.source_code),
                     CASE WHEN x.source_code IS NULL THEN 'no source code'
                          ELSE format('unknown source "%s"', inventory.shown(x.source_code)) END),
                    (x.sku IS NULL OR NOT inventory.valid_sku(x.sku),
                     CASE WHEN x.sku IS NULL THEN 'no SKU'
                          ELSE format('SKU "%s" must have 1 to 64 characters and no '
                                      'surrounding whitespace', inventory.shown(x.sku)) END),
                    (x.status IS NULL OR x.status NOT IN (0, 1),
                     CASE WHEN x.status IS NULL THEN 'no status'
                          ELSE format('status %s is not 0 or 1', x.status) END),
                    (x.quantity IS NULL OR x.quantity = 'NaN' OR abs(x.quantity) >= 1e8
                       OR x.quantity <> round(x.quantity, 4),
                     CASE WHEN x.quantity IS NULL THEN 'no quantity'
                          ELSE format('quantity %s must be finite, below 10^8, at most 4 decimals',
                                      inventory.shown(x.quantity::text)) END)
                ) r(failed, reason)
                WHERE r.failed
         ) b
        UNION ALL
        SELECT max(x.line), format('source "%s" and SKU "%s" appear again (first on line %s)',
                                   inventory.shown(min(x.source_code)), inventory.shown(min(x.sku)),
                                   min(x.line))
          FROM numbered x
         GROUP BY x.source_code, x.sku
        HAVING count(*) > 1
    )
    SELECT string_agg(format('line %s: %s', b.line, b.reason), E'\n' ORDER BY b.line)
               FILTER (WHERE b.rank <= 20),
           count(*)
      INTO problems, problem_count
      FROM (SELECT bad.*, row_number() OVER (ORDER BY bad.line) AS rank FROM bad) b;
    IF problems IS NOT NULL THEN
        RAISE EXCEPTION 'source item import rejected: % bad line(s), nothing was written',
            problem_count
            USING ERRCODE = 'bad_copy_file_format', DETAIL = problems;
    END IF;
    -- Only a cardinality violation from somewhere other than a repeated row
    -- leads here.
    RAISE EXCEPTION 'source item import failed: a statement changed a row twice'
        USING ERRCODE = 'cardinality_violation';
END;
$$;
CREATE TRIGGER import_after_insert AFTER INSERT ON inventory.source_item_import
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.source_items_copied();
