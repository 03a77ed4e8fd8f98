-- The baselines the extension is measured against, and the helpers the
-- pgbench scripts share. Everything lives in schema `bench`, in plain SQL and
-- PL/pgSQL, on tables of its own: nothing here calls the extension, except the
-- wrapper that catches IN001 for the flash sale and the plain-SQL source
-- selection, which reads the extension's tables.
--
--   floor     a transaction that only inserts one row into a plain table
--   magento   Magento MSI's way: salable quantity = indexed stock quantity +
--             SUM(reservations), checked, then reservations appended, with no
--             lock between the check and the insert
--   saleor    the row-locking way: SELECT ... FOR UPDATE on the stock rows
--             (in SKU order), check and update quantity_allocated in SQL
--
-- Each checkout baseline writes an order row, one row per line and one
-- reservation/allocation per line, as place_order does, so they do
-- comparable work.

CREATE SCHEMA bench;

CREATE SEQUENCE bench.order_seq CACHE 1;

-- 'SKU-00042': the catalog's SKUs, shared by the extension and the baselines.
CREATE FUNCTION bench.sku(n integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN 'SKU-' || lpad(n::text, 5, '0');

-- The floor: one plain row, no index, no trigger.
CREATE TABLE bench.floor_row (
    client_id integer NOT NULL,
    value integer NOT NULL
);

-- The extension's checkout that reports a shortage (IN001) as false instead
-- of ending the pgbench client: the flash sale's attempts after the sell-out.
CREATE FUNCTION bench.try_place_order(order_id text, stock_id integer, items jsonb)
RETURNS boolean
LANGUAGE plpgsql
AS $$
BEGIN
    PERFORM 1 FROM inventory.place_order(order_id, stock_id, items);
    RETURN true;
EXCEPTION WHEN SQLSTATE 'IN001' THEN
    RETURN false;
END;
$$;

------------------------------------------------------------------------------
-- Magento's way.

-- The stock index (Magento's inventory_stock_N): quantity per SKU, rebuilt by
-- an indexer when source items change, never by orders.
CREATE TABLE bench.m_stock_index (
    stock_id integer NOT NULL,
    sku text NOT NULL,
    quantity numeric NOT NULL,
    is_salable boolean NOT NULL,
    PRIMARY KEY (stock_id, sku)
);

-- inventory_reservation, with Magento's covering index (stock_id, sku, quantity).
CREATE TABLE bench.m_reservation (
    reservation_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    stock_id integer NOT NULL,
    sku text NOT NULL,
    quantity numeric NOT NULL,
    metadata jsonb
);
CREATE INDEX ON bench.m_reservation (stock_id, sku, quantity);

CREATE TABLE bench.m_order (
    order_id text PRIMARY KEY,
    stock_id integer NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bench.m_order_item (
    order_id text NOT NULL REFERENCES bench.m_order,
    sku text NOT NULL,
    qty_ordered numeric NOT NULL,
    PRIMARY KEY (order_id, sku)
);

-- Check every line, then append: two steps and no lock, so concurrent
-- buyers of the last units all pass the check. Returns false on a shortage.
-- The lines go into arrays first, so every lookup is an index scan.
CREATE FUNCTION bench.magento_place_order(order_id text, stock_id integer, items jsonb)
RETURNS boolean
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    skus text[];
    qtys numeric[];
BEGIN
    SELECT array_agg(l.sku ORDER BY l.sku), array_agg(l.qty ORDER BY l.sku) INTO skus, qtys
      FROM (SELECT x.sku, sum(x.qty) AS qty
              FROM jsonb_to_recordset(items) AS x(sku text, qty numeric)
             GROUP BY x.sku) l;

    -- GetProductSalableQty per line: the stock index quantity plus the SUM of
    -- the SKU's reservations (min_qty 0).
    IF EXISTS (
        SELECT 1
          FROM unnest(skus, qtys) AS l(sku, qty)
          LEFT JOIN bench.m_stock_index i
            ON i.stock_id = magento_place_order.stock_id AND i.sku = l.sku AND i.is_salable
         WHERE coalesce(i.quantity + coalesce((SELECT sum(r.quantity) FROM bench.m_reservation r
                                                WHERE r.stock_id = magento_place_order.stock_id
                                                  AND r.sku = l.sku), 0), 0) < l.qty)
    THEN
        RETURN false;
    END IF;

    INSERT INTO bench.m_order (order_id, stock_id)
    VALUES (magento_place_order.order_id, magento_place_order.stock_id);
    INSERT INTO bench.m_order_item (order_id, sku, qty_ordered)
    SELECT magento_place_order.order_id, l.sku, l.qty FROM unnest(skus, qtys) AS l(sku, qty);
    INSERT INTO bench.m_reservation (stock_id, sku, quantity, metadata)
    SELECT magento_place_order.stock_id, l.sku, -l.qty,
           jsonb_build_object('event_type', 'order_placed', 'object_type', 'order',
                              'object_id', magento_place_order.order_id,
                              'object_increment_id', '')
      FROM unnest(skus, qtys) AS l(sku, qty);
    RETURN true;
END;
$$;

------------------------------------------------------------------------------
-- The row-locking way (Saleor's Stock and Allocation).

CREATE TABLE bench.s_stock (
    sku text PRIMARY KEY,
    quantity numeric NOT NULL,
    quantity_allocated numeric NOT NULL DEFAULT 0
);

CREATE TABLE bench.s_order (
    order_id text PRIMARY KEY,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE bench.s_order_line (
    order_line_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_id text NOT NULL REFERENCES bench.s_order,
    sku text NOT NULL,
    quantity numeric NOT NULL
);
CREATE INDEX ON bench.s_order_line (order_id);

CREATE TABLE bench.s_allocation (
    allocation_id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    order_line_id bigint NOT NULL REFERENCES bench.s_order_line,
    sku text NOT NULL REFERENCES bench.s_stock,
    quantity_allocated numeric NOT NULL
);
CREATE INDEX ON bench.s_allocation (order_line_id);

-- Lock the stock rows in SKU order, compute availability in SQL, then write.
CREATE FUNCTION bench.saleor_place_order(order_id text, items jsonb)
RETURNS boolean
LANGUAGE plpgsql
AS $$
#variable_conflict use_column
DECLARE
    skus text[];
    qtys numeric[];
BEGIN
    SELECT array_agg(l.sku ORDER BY l.sku), array_agg(l.qty ORDER BY l.sku) INTO skus, qtys
      FROM (SELECT x.sku, sum(x.qty) AS qty
              FROM jsonb_to_recordset(items) AS x(sku text, qty numeric)
             GROUP BY x.sku) l;

    PERFORM 1 FROM bench.s_stock s WHERE s.sku = ANY (skus) ORDER BY s.sku FOR UPDATE;

    IF (SELECT count(*)
          FROM bench.s_stock s
          JOIN unnest(skus, qtys) AS l(sku, qty) ON l.sku = s.sku
         WHERE s.sku = ANY (skus) AND s.quantity - s.quantity_allocated >= l.qty)
       < cardinality(skus)
    THEN
        RETURN false;
    END IF;

    INSERT INTO bench.s_order (order_id) VALUES (saleor_place_order.order_id);
    WITH lines AS (
        INSERT INTO bench.s_order_line (order_id, sku, quantity)
        SELECT saleor_place_order.order_id, l.sku, l.qty FROM unnest(skus, qtys) AS l(sku, qty)
        RETURNING order_line_id, sku, quantity
    ), allocated AS (
        INSERT INTO bench.s_allocation (order_line_id, sku, quantity_allocated)
        SELECT l.order_line_id, l.sku, l.quantity FROM lines l
        RETURNING sku, quantity_allocated
    )
    UPDATE bench.s_stock s
       SET quantity_allocated = s.quantity_allocated + a.quantity_allocated
      FROM allocated a
     WHERE s.sku = ANY (skus) AND s.sku = a.sku;
    RETURN true;
END;
$$;

------------------------------------------------------------------------------
-- Source selection in plain SQL, over the extension's tables: the same
-- greedy fill as select_sources, by priority or by great-circle distance
-- (ties by priority, sources without coordinates last), as a window function.
CREATE FUNCTION bench.sql_select_sources(stock_id integer, items jsonb, algorithm text,
                                         latitude float8 DEFAULT NULL,
                                         longitude float8 DEFAULT NULL)
RETURNS TABLE (sku text, source_code text, qty_to_deduct numeric, qty_available numeric)
LANGUAGE sql STABLE
AS $$
    WITH req AS (
        SELECT x.sku, sum(x.qty) AS qty
          FROM jsonb_to_recordset(items) AS x(sku text, qty numeric)
         GROUP BY x.sku
    ), wanted AS (
        -- As an array, so that the items are found through the index on sku.
        SELECT array_agg(r.sku) AS skus FROM req r
    ), candidate AS (
        SELECT l.source_code, l.priority,
               CASE WHEN algorithm = 'distance' AND s.latitude IS NOT NULL THEN
                   12742 * asin(sqrt(
                       sin(radians(s.latitude::float8 - sql_select_sources.latitude) / 2) ^ 2
                       + cos(radians(sql_select_sources.latitude))
                         * cos(radians(s.latitude::float8))
                         * sin(radians(s.longitude::float8 - sql_select_sources.longitude) / 2) ^ 2))
               END AS km
          FROM inventory.stock_source_link l
          JOIN inventory.source s ON s.source_code = l.source_code
         WHERE l.stock_id = sql_select_sources.stock_id AND s.enabled
    ), held AS (
        SELECT r.sku, r.qty, c.source_code, si.quantity,
               coalesce(sum(si.quantity) OVER w - si.quantity, 0) AS before
          FROM inventory.source_item si
          JOIN req r ON r.sku = si.sku
          JOIN candidate c ON c.source_code = si.source_code
         WHERE si.status = 1 AND si.sku = ANY ((SELECT w.skus FROM wanted w)::text[])
        WINDOW w AS (PARTITION BY r.sku ORDER BY c.km NULLS LAST, c.priority, c.source_code
                     ROWS UNBOUNDED PRECEDING)
    )
    SELECT h.sku::text, h.source_code, greatest(least(h.quantity, h.qty - h.before), 0),
           h.quantity
      FROM held h
    UNION ALL
    SELECT r.sku, NULL, r.qty - coalesce(t.total, 0), 0
      FROM req r
      LEFT JOIN (SELECT h.sku, sum(h.quantity) AS total FROM held h GROUP BY h.sku) t
        ON t.sku = r.sku
     WHERE r.qty > coalesce(t.total, 0);
$$;

------------------------------------------------------------------------------
-- The import baselines: a bare table with no trigger, no index, no
-- constraint (COPY's floor), and the same rows with only their primary key
-- for the bulk UPDATE.
CREATE TABLE bench.bare_source_item (
    source_code text,
    sku text,
    status smallint,
    quantity numeric
);

CREATE TABLE bench.bare_keyed_source_item (
    source_code text NOT NULL,
    sku text NOT NULL,
    status smallint NOT NULL,
    quantity numeric NOT NULL,
    PRIMARY KEY (source_code, sku)
);
