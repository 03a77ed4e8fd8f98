-- The order lifecycle: place, cancel, ship, refund.
--
-- Checkout cannot oversell because place_order takes a row lock on the kept
-- figures of every (stock, SKU) it sells, always in (stock, SKU) order, and
-- checks and reserves under those locks. Every other writer of those figures
-- (source items, links, settings, reservations) locks the same rows first,
-- so a check never reads figures that another transaction is changing, and
-- two orders naming the same SKUs in different orders never deadlock.
-- Nothing here keeps session state: each call is one transaction's work, so
-- the functions also work behind a transaction-pooling connection pooler.

CREATE FUNCTION inventory.require_id(value text, what text)
RETURNS void
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, inventory, pg_temp
AS $$
BEGIN
    IF value IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', what USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT inventory.valid_id(value) THEN
        RAISE EXCEPTION '% "%" is not valid', what, inventory.shown(value)
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'An id has 1 to 255 characters and no leading or trailing whitespace.';
    END IF;
END;
$$;
COMMENT ON FUNCTION inventory.require_id(text, text) IS
    'Internal: raise 22023 unless the text is a valid order, shipment or credit memo id';

-- Locks an order for a change of its lines and returns its stock.
CREATE FUNCTION inventory.lock_order(order_id text)
RETURNS integer
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    found_stock integer;
BEGIN
    PERFORM inventory.require_id(lock_order.order_id, 'order_id');
    SELECT o.stock_id INTO found_stock
      FROM inventory.sales_order o
     WHERE o.order_id = lock_order.order_id
       FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'order % does not exist', inventory.shown(lock_order.order_id)
            USING ERRCODE = 'undefined_object';
    END IF;
    RETURN found_stock;
END;
$$;
COMMENT ON FUNCTION inventory.lock_order(text) IS
    'Internal: lock an order row (42704 when it does not exist) and return its stock';

CREATE FUNCTION inventory.reservation_metadata(event_type text, order_id text)
RETURNS jsonb
LANGUAGE sql STABLE
SET search_path = pg_catalog, inventory, pg_temp
AS $$
    SELECT jsonb_build_object('event_type', event_type, 'object_type', 'order',
                              'object_id', o.order_id, 'object_increment_id', o.increment_id)
      FROM inventory.sales_order o
     WHERE o.order_id = reservation_metadata.order_id;
$$;
COMMENT ON FUNCTION inventory.reservation_metadata(text, text) IS
    'Internal: the metadata of a reservation made for an order event';

-- A line of an order as place_order checks it: what it asks, what the kept
-- figures say, and what the rules find wrong with it.
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

-- The hot path of checkout, so it runs few statements: the item list comes
-- back from one Rust call as arrays; one statement locks the kept figures,
-- joins the product settings and checks every line; one statement writes
-- the lines and their reservations. Plans are generic and kept for the
-- session: the arrays would otherwise make PL/pgSQL plan every call anew.
CREATE FUNCTION inventory.place_order(order_id text, stock_id integer, items jsonb,
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
COMMENT ON FUNCTION inventory.place_order(text, integer, jsonb, text) IS
    'Check every line and reserve it atomically; IN001 when a SKU is short. Idempotent by order id.';

-- A product without decimal quantities moves in whole units only, in every
-- function that moves it, not only in place_order.
CREATE FUNCTION inventory.require_whole_quantities(items jsonb)
RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, inventory, pg_temp
AS $$
DECLARE
    bad record;
BEGIN
    SELECT l.sku, l.qty INTO bad
      FROM inventory.parse_items(items, 'items') l
      LEFT JOIN inventory.product p ON p.sku = l.sku
     WHERE NOT coalesce(p.is_qty_decimal, false) AND l.qty <> trunc(l.qty)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'quantity % of SKU "%" is fractional, but the product has no decimal quantities',
            bad.qty, bad.sku
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
END;
$$;
COMMENT ON FUNCTION inventory.require_whole_quantities(jsonb) IS
    'Internal: raise 22023 when an item list gives a fractional quantity of a whole-unit product';

-- The lines a cancel, shipment or refund asks for: the listed SKUs (each must
-- be a line of the order), or with NULL items every line still open.
CREATE FUNCTION inventory.requested_lines(order_id text, items jsonb)
RETURNS TABLE (line integer, sku text, qty numeric, qty_open numeric, qty_shipped_left numeric,
               managed boolean, reserves boolean)
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    stray text;
BEGIN
    IF items IS NULL THEN
        RETURN QUERY
            SELECT i.line, i.sku, i.qty_open, i.qty_open, i.qty_shipped - i.qty_refunded_shipped,
                   i.managed, i.reserves
              FROM inventory.order_item i
             WHERE i.order_id = requested_lines.order_id AND i.qty_open > 0
             ORDER BY i.sku;
        RETURN;
    END IF;

    SELECT l.sku INTO stray
      FROM inventory.parse_items(items, 'items') l
     WHERE NOT EXISTS (SELECT 1 FROM inventory.order_item i
                        WHERE i.order_id = requested_lines.order_id AND i.sku = l.sku)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'SKU "%" is not a line of order %', stray,
            inventory.shown(requested_lines.order_id)
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN QUERY
        SELECT i.line, i.sku, l.qty, i.qty_open, i.qty_shipped - i.qty_refunded_shipped,
               i.managed, i.reserves
          FROM inventory.parse_items(items, 'items') l
          JOIN inventory.order_item i ON i.order_id = requested_lines.order_id AND i.sku = l.sku
         ORDER BY i.sku;
END;
$$;
COMMENT ON FUNCTION inventory.requested_lines(text, jsonb) IS
    'Internal: resolve the items of a cancel, shipment or refund against the order''s lines';

CREATE FUNCTION inventory.cancel_order(order_id text, items jsonb DEFAULT NULL)
RETURNS numeric
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    order_stock integer;
    too_much record;
    released numeric;
BEGIN
    order_stock := inventory.lock_order(cancel_order.order_id);
    IF items IS NOT NULL THEN
        PERFORM inventory.require_whole_quantities(items);
    END IF;
    SELECT r.* INTO too_much
      FROM inventory.requested_lines(cancel_order.order_id, items) r
     WHERE r.qty > r.qty_open
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot cancel % of SKU "%" on order %: only % open',
            too_much.qty, too_much.sku, cancel_order.order_id, too_much.qty_open
            USING ERRCODE = 'IN003';
    END IF;

    PERFORM 1 FROM inventory.stock_sku k
     WHERE k.stock_id = order_stock
       AND k.sku IN (SELECT r.sku FROM inventory.requested_lines(cancel_order.order_id, items) r)
     ORDER BY k.sku
       FOR UPDATE;

    WITH req AS (
        SELECT r.* FROM inventory.requested_lines(cancel_order.order_id, items) r
    ), canceled AS (
        UPDATE inventory.order_item i
           SET qty_canceled = i.qty_canceled + req.qty
          FROM req
         WHERE i.order_id = cancel_order.order_id AND i.sku = req.sku
        RETURNING i.sku, req.qty, i.reserves
    ), held AS (
        INSERT INTO inventory.reservation (stock_id, sku, quantity, metadata)
        SELECT order_stock, c.sku, c.qty,
               inventory.reservation_metadata('order_canceled', cancel_order.order_id)
          FROM canceled c
         WHERE c.reserves AND c.qty > 0
         ORDER BY c.sku
        RETURNING quantity
    )
    SELECT coalesce(sum(h.quantity), 0) INTO released FROM held h;
    RETURN released;
END;
$$;
COMMENT ON FUNCTION inventory.cancel_order(text, jsonb) IS
    'Cancel what is still open of an order (NULL items: everything); returns the quantity released';

CREATE FUNCTION inventory.ship_lines(order_id text, shipment_id text, source_code text,
                                     items jsonb)
RETURNS numeric
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    order_stock integer;
    earlier record;
    bad record;
    lines integer;
    shipped numeric;
BEGIN
    PERFORM inventory.require_id(ship_lines.shipment_id, 'shipment_id');
    order_stock := inventory.lock_order(ship_lines.order_id);

    -- The same shipment id again is the same shipment: applied once.
    SELECT s.order_id, s.source_code INTO earlier
      FROM inventory.shipment s WHERE s.shipment_id = ship_lines.shipment_id;
    IF FOUND THEN
        IF earlier.order_id <> ship_lines.order_id THEN
            RAISE EXCEPTION 'shipment % belongs to order %, not to order %',
                ship_lines.shipment_id, earlier.order_id, ship_lines.order_id
                USING ERRCODE = 'unique_violation';
        END IF;
        RETURN (SELECT coalesce(sum(si.qty), 0) FROM inventory.shipment_item si
                 WHERE si.shipment_id = ship_lines.shipment_id);
    END IF;

    IF ship_lines.source_code IS NULL THEN
        RAISE EXCEPTION 'source_code must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM inventory.source s WHERE s.source_code = ship_lines.source_code)
    THEN
        RAISE EXCEPTION 'source % does not exist', inventory.shown(ship_lines.source_code)
            USING ERRCODE = 'undefined_object';
    END IF;

    SELECT r.* INTO bad
      FROM inventory.requested_lines(ship_lines.order_id, items) r
     WHERE r.qty > r.qty_open
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot ship % of SKU "%" on order %: only % open',
            bad.qty, bad.sku, ship_lines.order_id, bad.qty_open
            USING ERRCODE = 'IN003';
    END IF;

    -- The source's items, locked in SKU order, must hold what is shipped:
    -- backorders never let a shelf go below 0.
    SELECT r.sku, r.qty, si.quantity INTO bad
      FROM inventory.requested_lines(ship_lines.order_id, items) r
      LEFT JOIN LATERAL (
            SELECT si.quantity FROM inventory.source_item si
             WHERE si.source_code = ship_lines.source_code AND si.sku = r.sku
             FOR UPDATE
      ) si ON true
     WHERE r.managed AND (si.quantity IS NULL OR si.quantity < r.qty)
     ORDER BY r.sku
     LIMIT 1;
    IF FOUND THEN
        IF bad.quantity IS NULL THEN
            RAISE EXCEPTION 'source % has no item for SKU "%"', ship_lines.source_code, bad.sku
                USING ERRCODE = 'IN002',
                      HINT = format('Shipment %s of order %s was not created.',
                                    ship_lines.shipment_id, ship_lines.order_id);
        END IF;
        RAISE EXCEPTION 'source % holds % of SKU "%", cannot ship %',
            ship_lines.source_code, bad.quantity, bad.sku, bad.qty
            USING ERRCODE = 'IN002',
                  DETAIL = 'A shipment never takes a source''s quantity below 0.',
                  HINT = format('Shipment %s of order %s was not created.',
                                ship_lines.shipment_id, ship_lines.order_id);
    END IF;

    SELECT count(*) INTO lines FROM inventory.requested_lines(ship_lines.order_id, items) r;
    IF lines = 0 THEN
        RETURN 0;
    END IF;

    INSERT INTO inventory.shipment (shipment_id, order_id, source_code)
    VALUES (ship_lines.shipment_id, ship_lines.order_id, ship_lines.source_code);

    WITH req AS (
        SELECT r.* FROM inventory.requested_lines(ship_lines.order_id, items) r
    ), shipment_lines AS (
        INSERT INTO inventory.shipment_item (shipment_id, sku, qty)
        SELECT ship_lines.shipment_id, req.sku, req.qty FROM req
        RETURNING qty
    ), taken AS (
        -- A shelf emptied with backorders off goes out of stock.
        UPDATE inventory.source_item si
           SET quantity = si.quantity - req.qty,
               status = CASE WHEN si.quantity - req.qty <= 0
                              AND coalesce(p.backorders, d.backorders) = 0
                             THEN 0 ELSE si.status END
          FROM req
          CROSS JOIN inventory.defaults d
          LEFT JOIN inventory.product p ON p.sku = req.sku
         WHERE req.managed
           AND si.source_code = ship_lines.source_code AND si.sku = req.sku
        RETURNING si.sku
    ), ledger AS (
        UPDATE inventory.order_item i
           SET qty_shipped = i.qty_shipped + req.qty
          FROM req
         WHERE i.order_id = ship_lines.order_id AND i.sku = req.sku
        RETURNING i.sku
    ), held AS (
        INSERT INTO inventory.reservation (stock_id, sku, quantity, metadata)
        SELECT order_stock, req.sku, req.qty,
               inventory.reservation_metadata('shipment_created', ship_lines.order_id)
          FROM req
         WHERE req.reserves
         ORDER BY req.sku
        RETURNING quantity
    )
    SELECT sum(s.qty) INTO shipped
      FROM shipment_lines s
     WHERE (SELECT count(*) FROM taken) >= 0 AND (SELECT count(*) FROM ledger) >= 0
       AND (SELECT count(*) FROM held) >= 0;
    RETURN shipped;
END;
$$;
COMMENT ON FUNCTION inventory.ship_lines(text, text, text, jsonb) IS
    'Internal: ship_order without the whole-unit check, for the splits source selection makes';

CREATE FUNCTION inventory.ship_order(order_id text, shipment_id text, source_code text,
                                     items jsonb DEFAULT NULL)
RETURNS numeric
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
BEGIN
    IF items IS NOT NULL THEN
        PERFORM inventory.require_whole_quantities(items);
    END IF;
    RETURN inventory.ship_lines(order_id, shipment_id, source_code, items);
END;
$$;
COMMENT ON FUNCTION inventory.ship_order(text, text, text, jsonb) IS
    'Ship from one source (NULL items: everything open); IN002 when the source cannot fill it. Idempotent by shipment id.';

CREATE FUNCTION inventory.refund_order(order_id text, credit_memo_id text, items jsonb,
                                       return_to_stock boolean DEFAULT false)
RETURNS numeric
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
#variable_conflict use_column
DECLARE
    order_stock integer;
    earlier record;
    bad record;
    refunded numeric;
BEGIN
    PERFORM inventory.require_id(refund_order.credit_memo_id, 'credit_memo_id');
    order_stock := inventory.lock_order(refund_order.order_id);

    SELECT c.order_id INTO earlier
      FROM inventory.credit_memo c WHERE c.credit_memo_id = refund_order.credit_memo_id;
    IF FOUND THEN
        IF earlier.order_id <> refund_order.order_id THEN
            RAISE EXCEPTION 'credit memo % belongs to order %, not to order %',
                refund_order.credit_memo_id, earlier.order_id, refund_order.order_id
                USING ERRCODE = 'unique_violation';
        END IF;
        RETURN (SELECT coalesce(sum(ci.qty), 0) FROM inventory.credit_memo_item ci
                 WHERE ci.credit_memo_id = refund_order.credit_memo_id);
    END IF;

    IF items IS NULL THEN
        RAISE EXCEPTION 'items must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM inventory.require_whole_quantities(items);
    IF return_to_stock IS NULL THEN
        RAISE EXCEPTION 'return_to_stock must not be NULL'
            USING ERRCODE = 'null_value_not_allowed';
    END IF;

    SELECT r.* INTO bad
      FROM inventory.requested_lines(refund_order.order_id, items) r
     WHERE r.qty > r.qty_open + r.qty_shipped_left
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'cannot refund % of SKU "%" on order %: only % can be refunded',
            bad.qty, bad.sku, refund_order.order_id, bad.qty_open + bad.qty_shipped_left
            USING ERRCODE = 'IN003';
    END IF;

    INSERT INTO inventory.credit_memo (credit_memo_id, order_id, return_to_stock)
    VALUES (refund_order.credit_memo_id, refund_order.order_id, return_to_stock);

    -- What was never shipped is released; the rest had shipped.
    CREATE TEMP TABLE inventory_refund ON COMMIT DROP AS
    SELECT r.sku, r.qty, least(r.qty, r.qty_open) AS released,
           r.qty - least(r.qty, r.qty_open) AS from_shipped, r.managed, r.reserves
      FROM inventory.requested_lines(refund_order.order_id, items) r;

    INSERT INTO inventory.credit_memo_item (credit_memo_id, sku, qty, qty_released, qty_returned)
    SELECT refund_order.credit_memo_id, f.sku, f.qty, f.released,
           CASE WHEN return_to_stock AND f.managed THEN f.from_shipped ELSE 0 END
      FROM pg_temp.inventory_refund f;

    -- The shipped units are taken from the order's shipments in the order
    -- they were made, and go back to the sources they left.
    CREATE TEMP TABLE inventory_refund_shipped ON COMMIT DROP AS
    SELECT s.source_code, si.shipment_id, si.sku, f.managed,
           least(si.qty - si.qty_refunded,
                 greatest(f.from_shipped - coalesce(sum(si.qty - si.qty_refunded) OVER (
                     PARTITION BY si.sku ORDER BY s.created_at, s.shipment_id
                     ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0), 0)) AS qty
      FROM pg_temp.inventory_refund f
      JOIN inventory.shipment s ON s.order_id = refund_order.order_id
      JOIN inventory.shipment_item si ON si.shipment_id = s.shipment_id AND si.sku = f.sku
     WHERE f.from_shipped > 0 AND si.qty > si.qty_refunded;

    UPDATE inventory.shipment_item si
       SET qty_refunded = si.qty_refunded + x.qty
      FROM pg_temp.inventory_refund_shipped x
     WHERE x.qty > 0 AND si.shipment_id = x.shipment_id AND si.sku = x.sku;

    IF return_to_stock THEN
        INSERT INTO inventory.source_item AS si (source_code, sku, quantity, status)
        SELECT x.source_code, x.sku, sum(x.qty), 1
          FROM pg_temp.inventory_refund_shipped x
         WHERE x.qty > 0 AND x.managed
         GROUP BY x.source_code, x.sku
         ORDER BY x.sku
        ON CONFLICT (source_code, sku) DO UPDATE
           SET quantity = si.quantity + EXCLUDED.quantity,
               status = CASE WHEN si.quantity + EXCLUDED.quantity > 0 THEN 1 ELSE si.status END;
    END IF;

    UPDATE inventory.order_item i
       SET qty_refunded = i.qty_refunded + f.qty,
           qty_refunded_shipped = i.qty_refunded_shipped + f.from_shipped
      FROM pg_temp.inventory_refund f
     WHERE i.order_id = refund_order.order_id AND i.sku = f.sku;

    INSERT INTO inventory.reservation (stock_id, sku, quantity, metadata)
    SELECT order_stock, f.sku, f.released,
           inventory.reservation_metadata('creditmemo_created', refund_order.order_id)
      FROM pg_temp.inventory_refund f
     WHERE f.reserves AND f.released > 0
     ORDER BY f.sku;

    SELECT sum(f.qty) INTO refunded FROM pg_temp.inventory_refund f;
    DROP TABLE pg_temp.inventory_refund, pg_temp.inventory_refund_shipped;
    RETURN refunded;
END;
$$;
COMMENT ON FUNCTION inventory.refund_order(text, text, jsonb, boolean) IS
    'Refund order lines: what never shipped is released; with return_to_stock, shipped units go back to their sources. Idempotent by credit memo id.';
