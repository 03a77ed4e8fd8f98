-- inventory 0.1.0 -> 0.2.0: production hardening.
--
-- What changed: the roles inventory_reader, inventory_app and inventory_admin
-- with least-privilege grants (PUBLIC gets nothing); SECURITY DEFINER on the
-- order functions and every trigger; pg_dump marks on every table holding
-- data and on the identity sequences; restoring the rows CREATE EXTENSION
-- seeds updates them instead of failing.
--
-- This file is both the upgrade script and the tail of a fresh 0.2.0
-- install (src/schema.rs includes it last), so a fresh install and an
-- upgraded one end in the same state.

-- Roles are cluster-wide: created once, reused by every database that
-- installs the extension, and left in place by DROP EXTENSION.
DO $roles$
DECLARE
    role_name text;
BEGIN
    FOREACH role_name IN ARRAY ARRAY['inventory_reader', 'inventory_app', 'inventory_admin'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = role_name) THEN
            BEGIN
                EXECUTE pg_catalog.format('CREATE ROLE %I NOLOGIN', role_name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                -- Another database's CREATE EXTENSION made it at the same moment.
                NULL;
            END;
        END IF;
    END LOOP;
    BEGIN
        IF NOT pg_catalog.pg_has_role('inventory_app', 'inventory_reader', 'MEMBER') THEN
            GRANT inventory_reader TO inventory_app;
        END IF;
        IF NOT pg_catalog.pg_has_role('inventory_admin', 'inventory_app', 'MEMBER') THEN
            GRANT inventory_app TO inventory_admin;
        END IF;
    EXCEPTION WHEN unique_violation THEN
        NULL;
    END;
END;
$roles$;

-- CREATE EXTENSION made the default source, Default Stock, their link, the
-- base channel and the defaults row; a restore brings them again. Loading
-- one of those rows updates the existing one instead of failing on its key.
CREATE FUNCTION inventory.restore_seed_row()
RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, inventory, pg_temp
AS $$
BEGIN
    IF TG_TABLE_NAME = 'defaults' THEN
        UPDATE inventory.defaults d
           SET manage_stock = NEW.manage_stock, backorders = NEW.backorders,
               min_qty = NEW.min_qty, min_sale_qty = NEW.min_sale_qty,
               max_sale_qty = NEW.max_sale_qty,
               enable_qty_increments = NEW.enable_qty_increments,
               qty_increments = NEW.qty_increments, notify_stock_qty = NEW.notify_stock_qty,
               can_subtract = NEW.can_subtract,
               notify_qty_reduces_salable = NEW.notify_qty_reduces_salable
         WHERE d.id = NEW.id;
    ELSIF TG_TABLE_NAME = 'source' THEN
        UPDATE inventory.source s
           SET name = NEW.name, enabled = NEW.enabled, description = NEW.description,
               latitude = NEW.latitude, longitude = NEW.longitude,
               country_code = NEW.country_code, region = NEW.region, city = NEW.city,
               street = NEW.street, postcode = NEW.postcode, contact_name = NEW.contact_name,
               email = NEW.email, phone = NEW.phone, is_pickup_location = NEW.is_pickup_location
         WHERE s.source_code = NEW.source_code;
    ELSIF TG_TABLE_NAME = 'stock' THEN
        UPDATE inventory.stock s SET name = NEW.name WHERE s.stock_id = NEW.stock_id;
    ELSIF TG_TABLE_NAME = 'stock_source_link' THEN
        UPDATE inventory.stock_source_link l SET priority = NEW.priority
         WHERE l.stock_id = NEW.stock_id AND l.source_code = NEW.source_code;
    ELSE
        UPDATE inventory.stock_sales_channel c SET stock_id = NEW.stock_id
         WHERE c.type = NEW.type AND c.code = NEW.code;
    END IF;
    IF FOUND THEN
        RETURN NULL;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION inventory.restore_seed_row() IS
    'Internal: a restored copy of a row CREATE EXTENSION made updates that row';
CREATE TRIGGER restore_before_insert BEFORE INSERT ON inventory.defaults
    FOR EACH ROW EXECUTE FUNCTION inventory.restore_seed_row();
CREATE TRIGGER restore_before_insert BEFORE INSERT ON inventory.source
    FOR EACH ROW WHEN (NEW.source_code = 'default')
    EXECUTE FUNCTION inventory.restore_seed_row();
CREATE TRIGGER restore_before_insert BEFORE INSERT ON inventory.stock
    FOR EACH ROW WHEN (NEW.stock_id = 1)
    EXECUTE FUNCTION inventory.restore_seed_row();
CREATE TRIGGER restore_before_insert BEFORE INSERT ON inventory.stock_source_link
    FOR EACH ROW WHEN (NEW.stock_id = 1 AND NEW.source_code = 'default')
    EXECUTE FUNCTION inventory.restore_seed_row();
CREATE TRIGGER restore_before_insert BEFORE INSERT ON inventory.stock_sales_channel
    FOR EACH ROW WHEN (NEW.type = 'website' AND NEW.code = 'base')
    EXECUTE FUNCTION inventory.restore_seed_row();

-- PUBLIC gets nothing.
REVOKE ALL ON SCHEMA inventory FROM PUBLIC;
REVOKE ALL ON ALL TABLES IN SCHEMA inventory FROM PUBLIC;
REVOKE ALL ON ALL SEQUENCES IN SCHEMA inventory FROM PUBLIC;
REVOKE ALL ON ALL FUNCTIONS IN SCHEMA inventory FROM PUBLIC;

-- inventory_reader: reads every table and view, and calls what only reads.
GRANT USAGE ON SCHEMA inventory TO inventory_reader;
GRANT SELECT ON ALL TABLES IN SCHEMA inventory TO inventory_reader;
GRANT EXECUTE ON FUNCTION
    inventory.get_product_salable_qty(text, integer),
    inventory.is_product_salable(text, integer),
    inventory.is_product_salable_for_requested_qty(text, integer, numeric),
    inventory.stock_by_sales_channel(text, text),
    inventory.select_sources(integer, jsonb, text, jsonb),
    inventory.source_selection_algorithms(),
    inventory.figure_differences(),
    inventory.recomputed_figures(),
    inventory.reservation_inconsistencies(),
    inventory.select_sources_text(integer, text, text, text),
    inventory.parse_items(jsonb, text),
    inventory.parse_item_list(text, text),
    inventory.valid_sku(text),
    inventory.valid_code(text),
    inventory.valid_id(text),
    inventory.shown(text),
    inventory.require_sku(text),
    inventory.require_qty(numeric, text),
    inventory.require_stock(integer),
    inventory.require_id(text, text),
    inventory.require_skus(text[]),
    inventory.require_sources(text[]),
    inventory.requested_qty_check(text, integer, numeric),
    inventory.requested_qty_errors(numeric, numeric, numeric, boolean, numeric, boolean,
                                   boolean, smallint, numeric, integer, integer, numeric),
    inventory.stock_threshold(numeric, smallint, numeric, boolean),
    inventory.backorder_qty(numeric, numeric, numeric),
    inventory.stockable(text[]),
    inventory.require_whole_quantities(jsonb)
TO inventory_reader;

-- inventory_app: the order lifecycle, through functions only. It cannot
-- write any table, so reservations come and go only as these functions say.
GRANT EXECUTE ON FUNCTION
    inventory.place_order(text, integer, jsonb, text),
    inventory.cancel_order(text, jsonb),
    inventory.ship_order(text, text, text, jsonb),
    inventory.refund_order(text, text, jsonb, boolean),
    inventory.ship_order_by_selection(text, text, jsonb)
TO inventory_app;

-- inventory_admin: manages the model, imports and bulk moves.
GRANT INSERT, UPDATE, DELETE ON
    inventory.source, inventory.stock, inventory.stock_sales_channel,
    inventory.stock_source_link, inventory.source_item, inventory.product,
    inventory.defaults, inventory.geoname
TO inventory_admin;
GRANT INSERT ON inventory.source_item_import TO inventory_admin;
GRANT USAGE ON ALL SEQUENCES IN SCHEMA inventory TO inventory_admin;
GRANT EXECUTE ON FUNCTION
    inventory.import_legacy_catalog(text),
    inventory.import_source_items(text, text),
    inventory.import_geonames(text),
    inventory.bulk_assign_sources(text[], text[]),
    inventory.bulk_unassign_sources(text[], text[]),
    inventory.bulk_transfer(text[], text, text, boolean),
    inventory.partial_transfer(text, text, jsonb),
    inventory.cleanup_reservations(),
    inventory.rebuild_figures()
TO inventory_admin;

-- The order functions and every trigger write tables their callers may not:
-- they run as the extension's owner, each with its search_path pinned.
ALTER FUNCTION inventory.place_order(text, integer, jsonb, text) SECURITY DEFINER;
ALTER FUNCTION inventory.cancel_order(text, jsonb) SECURITY DEFINER;
ALTER FUNCTION inventory.ship_order(text, text, text, jsonb) SECURITY DEFINER;
ALTER FUNCTION inventory.refund_order(text, text, jsonb, boolean) SECURITY DEFINER;
ALTER FUNCTION inventory.ship_order_by_selection(text, text, jsonb) SECURITY DEFINER;
ALTER FUNCTION inventory.cleanup_reservations() SECURITY DEFINER;
ALTER FUNCTION inventory.rebuild_figures() SECURITY DEFINER;
ALTER FUNCTION inventory.skus_changed() SECURITY DEFINER;
ALTER FUNCTION inventory.source_changed() SECURITY DEFINER;
ALTER FUNCTION inventory.link_changed() SECURITY DEFINER;
ALTER FUNCTION inventory.defaults_changed() SECURITY DEFINER;
ALTER FUNCTION inventory.truncated() SECURITY DEFINER;
ALTER FUNCTION inventory.reservations_added() SECURITY DEFINER;
ALTER FUNCTION inventory.reservations_removed() SECURITY DEFINER;
ALTER FUNCTION inventory.source_items_copied() SECURITY DEFINER;
ALTER FUNCTION inventory.notify_salability() SECURITY DEFINER;
ALTER FUNCTION inventory.notify_low_stock() SECURITY DEFINER;

-- pg_dump keeps the rows of every table that holds the business's data and
-- the identity sequences. inventory.stock_sku is derived: a restore rebuilds
-- it through the triggers as the rows load (or run inventory.rebuild_figures()).
SELECT pg_catalog.pg_extension_config_dump('inventory.source', '');
SELECT pg_catalog.pg_extension_config_dump('inventory.stock', '');
SELECT pg_catalog.pg_extension_config_dump('inventory.stock_sales_channel', '');
SELECT pg_catalog.pg_extension_config_dump('inventory.stock_source_link', '');
SELECT pg_catalog.pg_extension_config_dump('inventory.source_item', '');
SELECT pg_catalog.pg_extension_config_dump('inventory.product', '');
SELECT pg_catalog.pg_extension_config_dump('inventory.defaults', '');
SELECT pg_catalog.pg_extension_config_dump('inventory.geoname', '');
SELECT pg_catalog.pg_extension_config_dump('inventory.reservation', '');
SELECT pg_catalog.pg_extension_config_dump('inventory.sales_order', '');
SELECT pg_catalog.pg_extension_config_dump('inventory.order_item', '');
SELECT pg_catalog.pg_extension_config_dump('inventory.shipment', '');
SELECT pg_catalog.pg_extension_config_dump('inventory.shipment_item', '');
SELECT pg_catalog.pg_extension_config_dump('inventory.credit_memo', '');
SELECT pg_catalog.pg_extension_config_dump('inventory.credit_memo_item', '');
SELECT pg_catalog.pg_extension_config_dump('inventory.stock_stock_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('inventory.reservation_reservation_id_seq', '');

