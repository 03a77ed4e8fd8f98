-- inventory 0.2.0 -> 0.3.0: a faster checkout, source selection and COPY import.
--
-- What changed:
--   place_order runs six statements where it ran ten, with generic plans
--   kept for the session;
--   item lists come back from one Rust call with SKUs already merged in the
--   SKU collation, and parse_items is PL/pgSQL (a SQL function with a SET
--   clause is parsed and planned on every call);
--   the reservation trigger sums an order's ledger only when rows give
--   stock back, and updates the kept figures, upserting only those it did
--   not find;
--   the COPY landing table validates in one pass and builds its
--   line-by-line report only for a bad file (an empty field now reads
--   "no SKU", not "SKU "NULL"");
--   select_sources_text pins its search_path itself, once per call instead
--   of once per row it returns, and select_sources, its wrapper, has no SET
--   clause, so PostgreSQL inlines it into the calling query; it also finds
--   items whose SKU differs from the request in width, not only in case,
--   and merges request lines as place_order does;
--   the salable lookups check that the stock exists only when the SKU has
--   no kept row there.
-- New: the function inventory.parse_item_arrays and the type
-- inventory.checked_line, both internal.

-- Item lists.
CREATE OR REPLACE FUNCTION inventory."parse_item_arrays"(
	"items" TEXT, /* Option < & str > */
	"what" TEXT /* Option < & str > */
) RETURNS TABLE (
	"lines" INT[],  /* Vec < i32 > */
	"skus" TEXT[],  /* Vec < String > */
	"qtys" NUMERIC[]  /* Vec < AnyNumeric > */
)
IMMUTABLE PARALLEL SAFE 
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', 'parse_item_arrays_wrapper';
REVOKE ALL ON FUNCTION inventory.parse_item_arrays(text, text) FROM PUBLIC;
CREATE OR REPLACE FUNCTION inventory.parse_items(items jsonb, what text DEFAULT 'items')
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

-- Checkout.
CREATE TYPE inventory.checked_line AS (
    line integer,
    sku text,
    qty numeric,
    backorder_qty numeric,
    managed boolean,
    reserves boolean,
    salable_qty numeric,
    errors jsonb
);
COMMENT ON TYPE inventory.checked_line IS
    'Internal: a line of an order being placed, with its figures and rule errors';
CREATE OR REPLACE FUNCTION inventory.place_order(order_id text, stock_id integer, items jsonb,
                                      increment_id text DEFAULT NULL)
RETURNS TABLE (sku text, qty numeric, backorder_qty numeric)
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
DECLARE
    lines integer[];
    skus text[];
    qtys numeric[];
    checked inventory.checked_line[];
    failed inventory.checked_line;
    placed jsonb;
BEGIN
    IF order_id IS NULL OR NOT inventory.valid_id(order_id) THEN
        PERFORM inventory.require_id(place_order.order_id, 'order_id');
    END IF;
    IF stock_id IS NULL
       OR NOT EXISTS (SELECT 1 FROM inventory.stock s WHERE s.stock_id = place_order.stock_id) THEN
        PERFORM inventory.require_stock(place_order.stock_id);
    END IF;
    SELECT a.lines, a.skus, a.qtys INTO lines, skus, qtys
      FROM inventory.parse_item_arrays(items::text, 'items') a;

    -- The same order id again returns what it returned the first time. A
    -- concurrent first placement of the same id is waited for here.
    INSERT INTO inventory.sales_order (order_id, stock_id, increment_id)
    VALUES (place_order.order_id, place_order.stock_id, coalesce(place_order.increment_id, ''))
    ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        RETURN QUERY
            SELECT i.sku, i.qty_ordered, i.backorder_qty
              FROM inventory.order_item i
             WHERE i.order_id = place_order.order_id
             ORDER BY i.line;
        RETURN;
    END IF;

    -- The kept rows are locked and read in the statement that checks them: a
    -- locking read returns each row as the last holder of its lock committed
    -- it, and no one can change it until this transaction ends. They are
    -- locked in SKU order, so two orders never wait for each other in a
    -- cycle. A SKU without a kept row is not assigned to the stock.
    WITH kept AS MATERIALIZED (
        SELECT k.sku, k.quantity, k.reserved, k.threshold, k.items_assigned, k.items_in_stock,
               k.salable_qty
          FROM inventory.stock_sku k
         WHERE k.stock_id = place_order.stock_id AND k.sku = ANY (skus)
         ORDER BY k.sku
           FOR UPDATE
    )
    SELECT array_agg(ROW(
               l.line, coalesce(k.sku, l.sku), l.qty,
               CASE WHEN NOT c.composite AND c.manage_stock
                    THEN inventory.backorder_qty(l.qty, coalesce(k.quantity, 0),
                                                 coalesce(k.reserved, 0))
                    ELSE 0 END,
               NOT c.composite AND c.manage_stock,
               NOT c.composite AND c.manage_stock AND d.can_subtract,
               coalesce(k.salable_qty, 0),
               CASE WHEN c.composite THEN '[]'::jsonb
                    ELSE inventory.requested_qty_errors(
                             l.qty,
                             coalesce(p.min_sale_qty, d.min_sale_qty),
                             coalesce(p.max_sale_qty, d.max_sale_qty),
                             coalesce(p.enable_qty_increments, d.enable_qty_increments),
                             coalesce(p.qty_increments, d.qty_increments),
                             coalesce(p.is_qty_decimal, false),
                             c.manage_stock,
                             coalesce(p.backorders, d.backorders),
                             coalesce(k.threshold, 0),
                             coalesce(k.items_assigned, 0),
                             coalesce(k.items_in_stock, 0),
                             coalesce(k.salable_qty, 0)) END
           )::inventory.checked_line ORDER BY l.line)
      INTO checked
      FROM unnest(lines, skus, qtys) AS l(line, sku, qty)
      CROSS JOIN inventory.defaults d
      LEFT JOIN inventory.product p ON p.sku = l.sku
      LEFT JOIN kept k ON k.sku = l.sku
      CROSS JOIN LATERAL (
            SELECT coalesce(p.type_id, 'simple') NOT IN ('simple', 'virtual', 'downloadable')
                       AS composite,
                   coalesce(p.manage_stock, d.manage_stock) AS manage_stock
      ) c;

    FOREACH failed IN ARRAY checked LOOP
        CONTINUE WHEN jsonb_array_length(failed.errors) = 0;
        IF jsonb_path_exists(failed.errors, '$[*] ? (@.code starts with "is_correct_qty")') THEN
            RAISE EXCEPTION 'quantity % of SKU "%" cannot be ordered: %',
                failed.qty, failed.sku, failed.errors -> 0 ->> 'message'
                USING ERRCODE = 'invalid_parameter_value',
                      DETAIL = failed.errors::text,
                      HINT = format('Order %s was not placed; nothing was reserved.',
                                    place_order.order_id);
        END IF;
        RAISE EXCEPTION 'not enough salable quantity of SKU "%" in stock %: asked %, salable %',
            failed.sku, place_order.stock_id, failed.qty, failed.salable_qty
            USING ERRCODE = 'IN001',
                  DETAIL = failed.errors::text,
                  HINT = format('Order %s was not placed; nothing was reserved.',
                                place_order.order_id);
    END LOOP;

    placed := jsonb_build_object('event_type', 'order_placed', 'object_type', 'order',
                                 'object_id', place_order.order_id,
                                 'object_increment_id', coalesce(place_order.increment_id, ''));
    WITH written AS (
        INSERT INTO inventory.order_item (order_id, line, stock_id, sku, qty_ordered,
                                          backorder_qty, managed, reserves)
        SELECT place_order.order_id, x.line, place_order.stock_id, x.sku, x.qty,
               x.backorder_qty, x.managed, x.reserves
          FROM unnest(checked) x
    )
    INSERT INTO inventory.reservation (stock_id, sku, quantity, metadata)
    SELECT place_order.stock_id, x.sku, -x.qty, placed
      FROM unnest(checked) x
     WHERE x.reserves
     ORDER BY x.sku;

    RETURN QUERY
        SELECT x.sku, x.qty, x.backorder_qty FROM unnest(checked) x;
END;
$$;
ALTER FUNCTION inventory.place_order(text, integer, jsonb, text) SECURITY DEFINER;
CREATE OR REPLACE FUNCTION inventory.reservations_added()
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
ALTER FUNCTION inventory.reservations_added() SECURITY DEFINER;

-- Source selection.
CREATE OR REPLACE FUNCTION inventory.select_sources(stock_id integer, items jsonb,
                                         algorithm text DEFAULT 'priority',
                                         destination jsonb DEFAULT NULL)
RETURNS TABLE (sku text, source_code text, qty_to_deduct numeric, qty_available numeric)
LANGUAGE sql STABLE
AS $$
    SELECT * FROM inventory.select_sources_text(stock_id, items::pg_catalog.text, algorithm,
                                                destination::pg_catalog.text);
$$;
ALTER FUNCTION inventory.select_sources_text(integer, text, text, text) RESET search_path;

-- COPY import.
CREATE OR REPLACE FUNCTION inventory.source_items_copied()
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
ALTER FUNCTION inventory.source_items_copied() SECURITY DEFINER;

-- Salable quantity lookups.
CREATE OR REPLACE FUNCTION inventory.get_product_salable_qty(sku text, stock_id integer)
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
CREATE OR REPLACE FUNCTION inventory.is_product_salable(sku text, stock_id integer)
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
