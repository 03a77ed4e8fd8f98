-- The rules that keep the default source, Default Stock 1 and the defaults
-- row in place, and the few rules that CHECK constraints cannot express.
-- These tables are small and rarely written, so the triggers are per row.

CREATE FUNCTION inventory.guard_source()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.source_code = 'default' THEN
            RAISE EXCEPTION 'the default source cannot be deleted'
                USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (SELECT 1 FROM inventory.source_item WHERE source_code = OLD.source_code)
           OR EXISTS (SELECT 1 FROM inventory.stock_source_link WHERE source_code = OLD.source_code)
        THEN
            RAISE EXCEPTION 'source % cannot be deleted while source items or stock links refer to it',
                OLD.source_code
                USING ERRCODE = 'foreign_key_violation',
                      HINT = 'Unassign its source items (inventory.bulk_unassign_sources) and '
                             'remove its stock links first.';
        END IF;
        RETURN OLD;
    END IF;

    IF NEW.source_code IS DISTINCT FROM OLD.source_code THEN
        RAISE EXCEPTION 'source code % cannot be changed', OLD.source_code
            USING ERRCODE = 'check_violation',
                  HINT = 'Create a new source and transfer the items (inventory.bulk_transfer).';
    END IF;
    IF OLD.source_code = 'default' AND NOT NEW.enabled THEN
        RAISE EXCEPTION 'the default source cannot be disabled'
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER guard_before_change BEFORE UPDATE OR DELETE ON inventory.source
    FOR EACH ROW EXECUTE FUNCTION inventory.guard_source();

CREATE FUNCTION inventory.guard_stock()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        IF OLD.stock_id = 1 THEN
            RAISE EXCEPTION 'the Default Stock (stock 1) cannot be deleted'
                USING ERRCODE = 'check_violation';
        END IF;
        IF EXISTS (SELECT 1 FROM inventory.stock_sales_channel WHERE stock_id = OLD.stock_id) THEN
            RAISE EXCEPTION 'stock % cannot be deleted while a sales channel sells from it',
                OLD.stock_id
                USING ERRCODE = 'foreign_key_violation',
                      HINT = 'Move its sales channels to another stock first.';
        END IF;
        RETURN OLD;
    END IF;

    IF NEW.stock_id IS DISTINCT FROM OLD.stock_id THEN
        RAISE EXCEPTION 'stock id % cannot be changed', OLD.stock_id
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER guard_before_change BEFORE UPDATE OR DELETE ON inventory.stock
    FOR EACH ROW EXECUTE FUNCTION inventory.guard_stock();

CREATE FUNCTION inventory.guard_link()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
BEGIN
    -- Deleting stock 1 is refused elsewhere; this keeps its one link in place.
    IF TG_OP IN ('DELETE', 'UPDATE') AND OLD.stock_id = 1 AND OLD.source_code = 'default'
       AND (TG_OP = 'DELETE' OR NEW.stock_id <> 1 OR NEW.source_code <> 'default')
       AND EXISTS (SELECT 1 FROM inventory.stock WHERE stock_id = 1)
    THEN
        RAISE EXCEPTION 'the link between the Default Stock and the default source cannot be removed'
            USING ERRCODE = 'check_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER guard_before_change BEFORE UPDATE OR DELETE ON inventory.stock_source_link
    FOR EACH ROW EXECUTE FUNCTION inventory.guard_link();

CREATE FUNCTION inventory.guard_defaults()
RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, inventory, pg_temp
AS $$
BEGIN
    RAISE EXCEPTION 'inventory.defaults always holds its one row: update it instead'
        USING ERRCODE = 'check_violation';
END;
$$;
CREATE TRIGGER guard_before_delete BEFORE DELETE ON inventory.defaults
    FOR EACH ROW EXECUTE FUNCTION inventory.guard_defaults();
CREATE TRIGGER guard_before_truncate BEFORE TRUNCATE ON inventory.defaults
    FOR EACH STATEMENT EXECUTE FUNCTION inventory.guard_defaults();
