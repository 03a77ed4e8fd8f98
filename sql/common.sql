-- Small helpers shared by the SQL functions' error messages.

-- A value as an error message quotes it: never more than 80 characters, so a
-- 1 MB argument does not come back as a 1 MB message.
CREATE FUNCTION inventory.shown(value text)
RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, inventory, pg_temp
AS $$
    SELECT CASE WHEN value IS NULL THEN 'NULL'
                WHEN length(value) > 80 THEN left(value, 77) || '...'
                ELSE value END;
$$;
COMMENT ON FUNCTION inventory.shown(text) IS
    'Internal: a value cut to 80 characters for an error message';
