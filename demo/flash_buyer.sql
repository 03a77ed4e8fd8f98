-- One buyer of the flash sale set up by demo/demo.sql. scripts/demo.sh starts one psql
-- process per row of demo.flash_buyer, all at the same time:
--
--   psql -X -q -v ON_ERROR_STOP=1 -v buyer=N -f demo/flash_buyer.sql
--
-- The first query is the gate: demo.sh holds demo.flash_sale locked until every buyer
-- waits behind that lock, then lets them all through at once. Each buyer asks for 1 unit
-- and writes down what place_order answered, as a shop's client sees it: psql's SQLSTATE
-- (00000 when the order was placed) and the error message.

SELECT f.sku, f.stock_id, format('FLASH-%s', lpad(:'buyer', 2, '0')) AS order_id,
       clock_timestamp() AS released
  FROM demo.flash_sale f
\gset

\set ON_ERROR_STOP off
SELECT * FROM inventory.place_order(:'order_id', :stock_id,
                                    jsonb_build_array(jsonb_build_object('sku', :'sku', 'qty', 1)));
\set ON_ERROR_STOP on

INSERT INTO demo.flash_attempt (buyer, order_id, released, answered, sqlstate, message)
VALUES (:buyer, :'order_id', :'released', clock_timestamp(), :'SQLSTATE',
        nullif(:'LAST_ERROR_MESSAGE', ''));
