//! The order lifecycle as a shop drives it: place, cancel, ship, refund and clean up, each
//! scenario with its own numbers, ending with the kept figures equal to a recomputation and
//! every order's reservations equal to its open lines.

use inventory_tests::postgres::types::ToSql;
use inventory_tests::postgres::Client;
use inventory_tests::{
    assert_books_balance, count, describe, expect_error, expect_error_params, fresh_db, run,
};

/// The one value, cast to `float8` by the caller, of a query that must return one row.
fn number(client: &mut Client, sql: &str, params: &[&(dyn ToSql + Sync)]) -> f64 {
    client
        .query_one(sql, params)
        .unwrap_or_else(|e| panic!("`{sql}` failed: {}", describe(&e)))
        .get(0)
}

/// A line as `place_order` returns it: SKU, quantity, backorder quantity.
type Line = (String, f64, f64);

fn place(client: &mut Client, order_id: &str, stock_id: i32, items: &str) -> Vec<Line> {
    let sql = "SELECT sku, qty::float8, backorder_qty::float8 \
               FROM inventory.place_order($1, $2, $3::text::jsonb, $4)";
    let increment_id = format!("inc-{order_id}");
    client
        .query(sql, &[&order_id, &stock_id, &items, &increment_id])
        .unwrap_or_else(|e| panic!("placing {order_id} with {items} failed: {}", describe(&e)))
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect()
}

fn line(sku: &str, qty: f64, backorder_qty: f64) -> Line {
    (sku.to_string(), qty, backorder_qty)
}

fn cancel(client: &mut Client, order_id: &str, items: Option<&str>) -> f64 {
    number(
        client,
        "SELECT inventory.cancel_order($1, $2::text::jsonb)::float8",
        &[&order_id, &items],
    )
}

fn ship(
    client: &mut Client,
    order_id: &str,
    shipment_id: &str,
    source: &str,
    items: Option<&str>,
) -> f64 {
    number(
        client,
        "SELECT inventory.ship_order($1, $2, $3, $4::text::jsonb)::float8",
        &[&order_id, &shipment_id, &source, &items],
    )
}

fn refund(
    client: &mut Client,
    order_id: &str,
    credit_memo_id: &str,
    items: &str,
    return_to_stock: bool,
) -> f64 {
    number(
        client,
        "SELECT inventory.refund_order($1, $2, $3::text::jsonb, $4)::float8",
        &[&order_id, &credit_memo_id, &items, &return_to_stock],
    )
}

fn salable(client: &mut Client, sku: &str, stock_id: i32) -> f64 {
    number(
        client,
        "SELECT inventory.get_product_salable_qty($1, $2)::float8",
        &[&sku, &stock_id],
    )
}

fn source_qty(client: &mut Client, source: &str, sku: &str) -> f64 {
    number(
        client,
        "SELECT quantity::float8 FROM inventory.source_item WHERE source_code = $1 AND sku = $2",
        &[&source, &sku],
    )
}

/// The reservations of an order for a SKU, oldest first, as (event type, quantity).
fn reservations(client: &mut Client, order_id: &str, sku: &str) -> Vec<(String, f64)> {
    let sql = "SELECT metadata ->> 'event_type', quantity::float8 FROM inventory.reservation \
               WHERE order_id = $1 AND sku = $2 ORDER BY reservation_id";
    client
        .query(sql, &[&order_id, &sku])
        .unwrap_or_else(|e| panic!("`{sql}` failed: {}", describe(&e)))
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect()
}

fn held(event: &str, qty: f64) -> (String, f64) {
    (event.to_string(), qty)
}

/// Every row of a table as text, sorted: for "nothing changed" comparisons.
fn table_text(client: &mut Client, table: &str) -> String {
    let sql =
        format!("SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') FROM {table} t");
    client
        .query_one(&sql, &[])
        .unwrap_or_else(|e| panic!("`{sql}` failed: {}", describe(&e)))
        .get(0)
}

/// A stock of its own with the given sources (priority in list order), for scenarios that
/// need more than the default source.
fn stock_with_sources(client: &mut Client, sources: &[&str]) -> i32 {
    let stock_id: i32 = client
        .query_one(
            "INSERT INTO inventory.stock (name) VALUES ('Second stock') RETURNING stock_id",
            &[],
        )
        .expect("create a stock")
        .get(0);
    for (priority, code) in (1..).zip(sources) {
        run(
            client,
            &format!(
                "INSERT INTO inventory.source (source_code, name, country_code, postcode) \
                 VALUES ('{code}', 'Source {code}', 'US', '10001');
                 INSERT INTO inventory.stock_source_link (stock_id, source_code, priority) \
                 VALUES ({stock_id}, '{code}', {priority});"
            ),
        );
    }
    stock_id
}

#[test]
fn order_cancel_and_shipment_settle_the_reservations_to_zero() {
    let mut client = fresh_db("orders_msi_lifecycle");
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', '24-MB01', 100)",
    );

    let lines = place(
        &mut client,
        "100000025",
        1,
        r#"[{"sku": "24-MB01", "qty": 25}]"#,
    );
    assert_eq!(lines, vec![line("24-MB01", 25.0, 0.0)]);
    assert_eq!(salable(&mut client, "24-MB01", 1), 75.0);

    assert_eq!(
        cancel(
            &mut client,
            "100000025",
            Some(r#"[{"sku": "24-MB01", "qty": 5}]"#)
        ),
        5.0
    );
    assert_eq!(salable(&mut client, "24-MB01", 1), 80.0);

    assert_eq!(
        ship(&mut client, "100000025", "ship-1", "default", None),
        20.0
    );
    assert_eq!(source_qty(&mut client, "default", "24-MB01"), 80.0);

    assert_eq!(
        reservations(&mut client, "100000025", "24-MB01"),
        vec![
            held("order_placed", -25.0),
            held("order_canceled", 5.0),
            held("shipment_created", 20.0)
        ]
    );
    let meta = client
        .query_one(
            "SELECT DISTINCT metadata ->> 'object_type', metadata ->> 'object_increment_id' \
             FROM inventory.reservation",
            &[],
        )
        .expect("read the reservation metadata");
    assert_eq!(meta.get::<_, String>(0), "order");
    assert_eq!(meta.get::<_, String>(1), "inc-100000025");
    assert_eq!(
        number(
            &mut client,
            "SELECT reserved::float8 FROM inventory.salable_quantity WHERE sku = '24-MB01'",
            &[]
        ),
        0.0
    );
    // 100 on hand, 20 shipped: 80 salable again.
    assert_eq!(salable(&mut client, "24-MB01", 1), 80.0);
    assert_books_balance(&mut client, "");
}

/// Places an order of 10, ships `shipped` of it and cancels what is left; returns what the
/// cancel released and the salable quantity afterwards (100 on hand at first).
fn cancel_after_shipping(db: &str, shipped: f64) -> (f64, f64) {
    let mut client = fresh_db(db);
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'MH01', 100)",
    );
    place(&mut client, "o-1", 1, r#"[{"sku": "MH01", "qty": 10}]"#);

    let items = format!(r#"[{{"sku": "MH01", "qty": {shipped}}}]"#);
    assert_eq!(
        ship(&mut client, "o-1", "ship-1", "default", Some(&items)),
        shipped
    );
    let released = cancel(&mut client, "o-1", None);
    let left = salable(&mut client, "MH01", 1);

    let open = number(
        &mut client,
        "SELECT qty_open::float8 FROM inventory.order_item WHERE order_id = 'o-1'",
        &[],
    );
    assert_eq!(open, 0.0, "nothing stays open after the cancel");
    assert_books_balance(&mut client, "");
    (released, left)
}

#[test]
fn cancel_after_shipping_7_of_10_releases_3() {
    let (released, left) = cancel_after_shipping("orders_cancel_after_7_of_10", 7.0);

    assert_eq!(released, 3.0);
    assert_eq!(left, 93.0);
}

#[test]
fn cancel_after_shipping_6_of_10_releases_4() {
    let (released, left) = cancel_after_shipping("orders_cancel_after_6_of_10", 6.0);

    assert_eq!(released, 4.0);
    assert_eq!(left, 94.0);
}

#[test]
fn cancel_after_a_full_shipment_releases_nothing() {
    let (released, left) = cancel_after_shipping("orders_cancel_after_full_shipment", 10.0);

    assert_eq!(released, 0.0);
    assert_eq!(left, 90.0);
}

#[test]
fn canceling_more_than_is_open_is_refused() {
    let mut client = fresh_db("orders_cancel_more_than_open");
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'MH02', 100)",
    );
    place(&mut client, "o-1", 1, r#"[{"sku": "MH02", "qty": 10}]"#);
    ship(
        &mut client,
        "o-1",
        "ship-1",
        "default",
        Some(r#"[{"sku": "MH02", "qty": 7}]"#),
    );

    // 3 are open; canceling 4 would release another order's stock.
    expect_error(
        &mut client,
        r#"SELECT inventory.cancel_order('o-1', '[{"sku": "MH02", "qty": 4}]')"#,
        "IN003",
    );
    expect_error(
        &mut client,
        "SELECT inventory.ship_order('o-1', 'ship-2', 'default', \
         '[{\"sku\": \"MH02\", \"qty\": 4}]')",
        "IN003",
    );

    assert_eq!(
        reservations(&mut client, "o-1", "MH02"),
        vec![held("order_placed", -10.0), held("shipment_created", 7.0)]
    );
    assert_eq!(salable(&mut client, "MH02", 1), 90.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn a_repeated_shipment_id_is_applied_once() {
    let mut client = fresh_db("orders_repeated_shipment");
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'WS03', 50)",
    );
    place(&mut client, "o-1", 1, r#"[{"sku": "WS03", "qty": 10}]"#);
    let items = r#"[{"sku": "WS03", "qty": 4}]"#;

    assert_eq!(
        ship(&mut client, "o-1", "ship-1", "default", Some(items)),
        4.0
    );
    assert_eq!(
        ship(&mut client, "o-1", "ship-1", "default", Some(items)),
        4.0
    );
    assert_eq!(ship(&mut client, "o-1", "ship-1", "default", None), 4.0);

    assert_eq!(source_qty(&mut client, "default", "WS03"), 46.0);
    assert_eq!(
        reservations(&mut client, "o-1", "WS03"),
        vec![held("order_placed", -10.0), held("shipment_created", 4.0)]
    );
    assert_eq!(
        count(&mut client, "SELECT count(*) FROM inventory.shipment_item"),
        1
    );
    // 50 on hand, 4 shipped, 6 still held.
    assert_eq!(salable(&mut client, "WS03", 1), 40.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn a_repeated_order_id_returns_the_first_result_and_reserves_nothing_more() {
    let mut client = fresh_db("orders_repeated_order");
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'WJ12', 20), ('default', 'WJ13', 20)",
    );
    let first = place(
        &mut client,
        "o-1",
        1,
        r#"[{"sku": "WJ12", "qty": 3}, {"sku": "WJ13", "qty": 2}]"#,
    );

    let again = place(
        &mut client,
        "o-1",
        1,
        r#"[{"sku": "WJ12", "qty": 3}, {"sku": "WJ13", "qty": 2}]"#,
    );
    let other_items = place(&mut client, "o-1", 1, r#"[{"sku": "WJ12", "qty": 9}]"#);

    assert_eq!(first, vec![line("WJ12", 3.0, 0.0), line("WJ13", 2.0, 0.0)]);
    assert_eq!(again, first);
    assert_eq!(other_items, first);
    assert_eq!(
        count(&mut client, "SELECT count(*) FROM inventory.reservation"),
        2
    );
    assert_eq!(salable(&mut client, "WJ12", 1), 17.0);
    assert_eq!(salable(&mut client, "WJ13", 1), 18.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn the_same_sku_on_two_lines_is_summed_before_the_check() {
    let mut client = fresh_db("orders_same_sku_summed");
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'ABC-1', 5)",
    );

    // 3 + 3 in two spellings is 6, one more than the 5 on hand.
    let error = expect_error(
        &mut client,
        r#"SELECT * FROM inventory.place_order('o-1', 1,
               '[{"sku": "ABC-1", "qty": 3}, {"sku": "abc-1", "qty": 3}]')"#,
        "IN001",
    );
    assert!(error.message().contains("asked 6"), "{}", error.message());

    let lines = place(
        &mut client,
        "o-2",
        1,
        r#"[{"sku": "ABC-1", "qty": 2}, {"sku": "abc-1", "qty": 3}]"#,
    );
    assert_eq!(lines, vec![line("ABC-1", 5.0, 0.0)]);
    assert_eq!(
        reservations(&mut client, "o-2", "abc-1"),
        vec![held("order_placed", -5.0)]
    );
    assert_eq!(salable(&mut client, "abc-1", 1), 0.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn one_line_over_salable_rejects_the_whole_order_and_writes_nothing() {
    let mut client = fresh_db("orders_one_line_short");
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'MT07', 30), ('default', 'MT08', 4)",
    );

    let error = expect_error(
        &mut client,
        r#"SELECT * FROM inventory.place_order('o-1', 1,
               '[{"sku": "MT07", "qty": 10}, {"sku": "MT08", "qty": 5}]')"#,
        "IN001",
    );

    let message = error.message();
    for part in ["MT08", "asked 5", "salable 4"] {
        assert!(message.contains(part), "{part:?} missing from {message:?}");
    }
    for table in ["sales_order", "order_item", "reservation"] {
        let rows = count(
            &mut client,
            &format!("SELECT count(*) FROM inventory.{table}"),
        );
        assert_eq!(rows, 0, "inventory.{table} has {rows} row(s)");
    }
    assert_eq!(salable(&mut client, "MT07", 1), 30.0);
    assert_eq!(salable(&mut client, "MT08", 1), 4.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn an_order_beyond_the_free_units_is_backordered_down_to_the_threshold() {
    let mut client = fresh_db("orders_backorder_qty");
    run(
        &mut client,
        "UPDATE inventory.defaults SET backorders = 1, min_qty = -10;
         INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'BO-1', 10)",
    );

    // Quantity 10, nothing reserved, threshold -10: 20 salable, 10 physically free.
    assert_eq!(salable(&mut client, "BO-1", 1), 20.0);
    let lines = place(&mut client, "o-1", 1, r#"[{"sku": "BO-1", "qty": 15}]"#);

    assert_eq!(lines, vec![line("BO-1", 15.0, 5.0)]);
    assert_eq!(salable(&mut client, "BO-1", 1), 5.0);
    assert_eq!(
        number(
            &mut client,
            "SELECT backorder_qty::float8 FROM inventory.order_item WHERE order_id = 'o-1'",
            &[]
        ),
        5.0
    );
    assert_books_balance(&mut client, "");
}

#[test]
fn an_order_beyond_the_backorder_threshold_is_refused() {
    let mut client = fresh_db("orders_backorder_limit");
    run(
        &mut client,
        "INSERT INTO inventory.product (sku, backorders, min_qty) VALUES ('BO-2', 1, -10);
         INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'BO-2', 10)",
    );

    let error = expect_error(
        &mut client,
        r#"SELECT * FROM inventory.place_order('o-1', 1, '[{"sku": "BO-2", "qty": 21}]')"#,
        "IN001",
    );

    assert!(
        error.message().contains("salable 20"),
        "{}",
        error.message()
    );
    let lines = place(&mut client, "o-2", 1, r#"[{"sku": "BO-2", "qty": 20}]"#);
    assert_eq!(lines, vec![line("BO-2", 20.0, 10.0)]);
    assert_eq!(salable(&mut client, "BO-2", 1), 0.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn an_unmanaged_sku_is_sold_without_a_reservation() {
    let mut client = fresh_db("orders_unmanaged_stock");
    run(
        &mut client,
        "INSERT INTO inventory.product (sku, manage_stock) VALUES ('NM-1', false);
         INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'NM-1', 2)",
    );

    let lines = place(&mut client, "o-1", 1, r#"[{"sku": "NM-1", "qty": 7}]"#);

    assert_eq!(lines, vec![line("NM-1", 7.0, 0.0)]);
    assert_eq!(
        count(&mut client, "SELECT count(*) FROM inventory.reservation"),
        0
    );
    // Shipping an unmanaged line takes nothing from the shelf.
    assert_eq!(ship(&mut client, "o-1", "ship-1", "default", None), 7.0);
    assert_eq!(source_qty(&mut client, "default", "NM-1"), 2.0);
    assert_eq!(
        count(&mut client, "SELECT count(*) FROM inventory.reservation"),
        0
    );
    assert_books_balance(&mut client, "");
}

#[test]
fn a_composite_product_is_sold_without_a_reservation() {
    let mut client = fresh_db("orders_composite_product");
    run(
        &mut client,
        "INSERT INTO inventory.product (sku, type_id) VALUES ('MH01-CONF', 'configurable');
         INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'MH01-XS-Black', 3)",
    );

    let lines = place(
        &mut client,
        "o-1",
        1,
        r#"[{"sku": "MH01-CONF", "qty": 1}, {"sku": "MH01-XS-Black", "qty": 1}]"#,
    );

    assert_eq!(
        lines,
        vec![line("MH01-CONF", 1.0, 0.0), line("MH01-XS-Black", 1.0, 0.0)]
    );
    assert_eq!(
        reservations(&mut client, "o-1", "MH01-CONF"),
        Vec::<(String, f64)>::new()
    );
    assert_eq!(
        reservations(&mut client, "o-1", "MH01-XS-Black"),
        vec![held("order_placed", -1.0)]
    );
    assert_eq!(salable(&mut client, "MH01-XS-Black", 1), 2.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn with_can_subtract_off_orders_reserve_nothing() {
    let mut client = fresh_db("orders_can_subtract_off");
    run(
        &mut client,
        "UPDATE inventory.defaults SET can_subtract = false;
         INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'CS-1', 5)",
    );

    let lines = place(&mut client, "o-1", 1, r#"[{"sku": "CS-1", "qty": 5}]"#);

    assert_eq!(lines, vec![line("CS-1", 5.0, 0.0)]);
    assert_eq!(
        count(&mut client, "SELECT count(*) FROM inventory.reservation"),
        0
    );
    assert_eq!(salable(&mut client, "CS-1", 1), 5.0);
    // Still checked against what is salable.
    expect_error(
        &mut client,
        r#"SELECT * FROM inventory.place_order('o-2', 1, '[{"sku": "CS-1", "qty": 6}]')"#,
        "IN001",
    );
    assert_eq!(cancel(&mut client, "o-1", None), 0.0);
    assert_eq!(
        count(&mut client, "SELECT count(*) FROM inventory.reservation"),
        0
    );
    assert_books_balance(&mut client, "");
}

#[test]
fn cleanup_keeps_the_open_hold_of_another_order() {
    let mut client = fresh_db("orders_cleanup_other_order");
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'CL-1', 50)",
    );
    place(&mut client, "o-1", 1, r#"[{"sku": "CL-1", "qty": 10}]"#);
    assert_eq!(cancel(&mut client, "o-1", None), 10.0);
    place(&mut client, "o-2", 1, r#"[{"sku": "CL-1", "qty": 10}]"#);

    // Order 1: -10 and +10. Order 2: -10. The SKU sums to -10 overall.
    let deleted = count(&mut client, "SELECT inventory.cleanup_reservations()");

    assert_eq!(deleted, 2);
    assert_eq!(
        reservations(&mut client, "o-1", "CL-1"),
        Vec::<(String, f64)>::new()
    );
    assert_eq!(
        reservations(&mut client, "o-2", "CL-1"),
        vec![held("order_placed", -10.0)]
    );
    assert_eq!(salable(&mut client, "CL-1", 1), 40.0);
    assert_eq!(
        count(&mut client, "SELECT inventory.cleanup_reservations()"),
        0
    );
    assert_books_balance(&mut client, "");
}

#[test]
fn cleanup_removes_only_the_settled_sku_of_a_half_shipped_order() {
    let mut client = fresh_db("orders_cleanup_half_shipped");
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'CL-A', 10), ('default', 'CL-B', 10)",
    );
    place(
        &mut client,
        "o-1",
        1,
        r#"[{"sku": "CL-A", "qty": 4}, {"sku": "CL-B", "qty": 6}]"#,
    );
    ship(
        &mut client,
        "o-1",
        "ship-1",
        "default",
        Some(r#"[{"sku": "CL-A", "qty": 4}]"#),
    );

    // CL-A: -4 and +4 settle; CL-B's -6 is still open (summed across SKUs the order is
    // at -6 too, but it must not lose its hold).
    let deleted = count(&mut client, "SELECT inventory.cleanup_reservations()");

    assert_eq!(deleted, 2);
    assert_eq!(
        reservations(&mut client, "o-1", "CL-A"),
        Vec::<(String, f64)>::new()
    );
    assert_eq!(
        reservations(&mut client, "o-1", "CL-B"),
        vec![held("order_placed", -6.0)]
    );
    assert_eq!(salable(&mut client, "CL-A", 1), 6.0);
    assert_eq!(salable(&mut client, "CL-B", 1), 4.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn a_shipment_beyond_the_source_quantity_fails_whole_even_with_backorders() {
    let mut client = fresh_db("orders_shipment_beyond_source");
    run(
        &mut client,
        "UPDATE inventory.defaults SET backorders = 1, min_qty = -10;
         INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'SH-A', 50), ('default', 'SH-B', 10)",
    );
    let lines = place(
        &mut client,
        "o-1",
        1,
        r#"[{"sku": "SH-A", "qty": 5}, {"sku": "SH-B", "qty": 20}]"#,
    );
    assert_eq!(
        lines,
        vec![line("SH-A", 5.0, 0.0), line("SH-B", 20.0, 10.0)]
    );
    let tables = [
        "inventory.source_item",
        "inventory.order_item",
        "inventory.shipment",
        "inventory.shipment_item",
        "inventory.reservation",
    ];
    let before: Vec<String> = tables.iter().map(|t| table_text(&mut client, t)).collect();

    // The source holds 10 of SH-B; the shelf may not go to -10.
    let error = expect_error(
        &mut client,
        "SELECT inventory.ship_order('o-1', 'ship-1', 'default')",
        "IN002",
    );

    assert!(error.message().contains("SH-B"), "{}", error.message());
    let after: Vec<String> = tables.iter().map(|t| table_text(&mut client, t)).collect();
    for ((table, before), after) in tables.iter().zip(&before).zip(&after) {
        assert_eq!(before, after, "{table} changed");
    }
    assert_eq!(source_qty(&mut client, "default", "SH-A"), 50.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn a_shipment_from_a_source_without_the_item_fails() {
    let mut client = fresh_db("orders_shipment_without_item");
    let stock = stock_with_sources(&mut client, &["east", "west"]);
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('east', 'SH-C', 8)",
    );
    place(&mut client, "o-1", stock, r#"[{"sku": "SH-C", "qty": 3}]"#);

    let error = expect_error(
        &mut client,
        "SELECT inventory.ship_order('o-1', 'ship-1', 'west')",
        "IN002",
    );

    let message = error.message();
    assert!(
        message.contains("west") && message.contains("SH-C"),
        "{message}"
    );
    assert_eq!(
        count(&mut client, "SELECT count(*) FROM inventory.shipment"),
        0
    );
    assert_eq!(ship(&mut client, "o-1", "ship-2", "east", None), 3.0);
    assert_eq!(source_qty(&mut client, "east", "SH-C"), 5.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn a_source_item_shipped_down_to_zero_goes_out_of_stock() {
    let mut client = fresh_db("orders_shipped_to_zero");
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'SH-D', 4)",
    );
    place(&mut client, "o-1", 1, r#"[{"sku": "SH-D", "qty": 4}]"#);

    assert_eq!(ship(&mut client, "o-1", "ship-1", "default", None), 4.0);

    let row = client
        .query_one(
            "SELECT quantity::float8, status FROM inventory.source_item WHERE sku = 'SH-D'",
            &[],
        )
        .expect("read the source item");
    assert_eq!(row.get::<_, f64>(0), 0.0);
    assert_eq!(row.get::<_, i16>(1), 0, "an emptied shelf is out of stock");
    let is_salable: bool = client
        .query_one("SELECT inventory.is_product_salable('SH-D', 1)", &[])
        .expect("ask whether SH-D is salable")
        .get(0);
    assert!(!is_salable);
    assert_eq!(salable(&mut client, "SH-D", 1), 0.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn a_refund_without_return_writes_off_shipped_units_and_releases_the_rest() {
    let mut client = fresh_db("orders_refund_no_return");
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'RF-1', 100)",
    );
    place(&mut client, "o-1", 1, r#"[{"sku": "RF-1", "qty": 10}]"#);
    ship(
        &mut client,
        "o-1",
        "ship-1",
        "default",
        Some(r#"[{"sku": "RF-1", "qty": 6}]"#),
    );

    // 8 refunded: the 4 never shipped are released, 4 of the 6 shipped are gone.
    let refunded = refund(
        &mut client,
        "o-1",
        "cm-1",
        r#"[{"sku": "RF-1", "qty": 8}]"#,
        false,
    );

    assert_eq!(refunded, 8.0);
    assert_eq!(source_qty(&mut client, "default", "RF-1"), 94.0);
    assert_eq!(
        reservations(&mut client, "o-1", "RF-1"),
        vec![
            held("order_placed", -10.0),
            held("shipment_created", 6.0),
            held("creditmemo_created", 4.0)
        ]
    );
    assert_eq!(salable(&mut client, "RF-1", 1), 94.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn a_refund_with_return_to_stock_puts_shipped_units_back_where_they_left() {
    let mut client = fresh_db("orders_refund_return_to_stock");
    let stock = stock_with_sources(&mut client, &["east", "west"]);
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('east', 'RF-2', 20), ('west', 'RF-2', 30)",
    );
    place(&mut client, "o-1", stock, r#"[{"sku": "RF-2", "qty": 10}]"#);
    let three = Some(r#"[{"sku": "RF-2", "qty": 3}]"#);
    ship(&mut client, "o-1", "ship-east", "east", three);
    ship(&mut client, "o-1", "ship-west", "west", three);
    assert_eq!(salable(&mut client, "RF-2", stock), 40.0);

    // All 10 refunded: 4 never shipped are released, 3 go back east and 3 west.
    let refunded = refund(
        &mut client,
        "o-1",
        "cm-1",
        r#"[{"sku": "RF-2", "qty": 10}]"#,
        true,
    );

    assert_eq!(refunded, 10.0);
    assert_eq!(source_qty(&mut client, "east", "RF-2"), 20.0);
    assert_eq!(source_qty(&mut client, "west", "RF-2"), 30.0);
    assert_eq!(salable(&mut client, "RF-2", stock), 50.0);
    assert_eq!(
        reservations(&mut client, "o-1", "RF-2"),
        vec![
            held("order_placed", -10.0),
            held("shipment_created", 3.0),
            held("shipment_created", 3.0),
            held("creditmemo_created", 4.0)
        ]
    );
    assert_books_balance(&mut client, "");
}

#[test]
fn a_repeated_credit_memo_id_is_applied_once() {
    let mut client = fresh_db("orders_repeated_credit_memo");
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'RF-3', 100)",
    );
    place(&mut client, "o-1", 1, r#"[{"sku": "RF-3", "qty": 10}]"#);
    ship(
        &mut client,
        "o-1",
        "ship-1",
        "default",
        Some(r#"[{"sku": "RF-3", "qty": 6}]"#),
    );
    let items = r#"[{"sku": "RF-3", "qty": 7}]"#;

    assert_eq!(refund(&mut client, "o-1", "cm-1", items, true), 7.0);
    assert_eq!(refund(&mut client, "o-1", "cm-1", items, true), 7.0);

    // 4 released once, 3 of the shipped 6 back on the shelf once: 94 + 3.
    assert_eq!(source_qty(&mut client, "default", "RF-3"), 97.0);
    assert_eq!(
        reservations(&mut client, "o-1", "RF-3"),
        vec![
            held("order_placed", -10.0),
            held("shipment_created", 6.0),
            held("creditmemo_created", 4.0)
        ]
    );
    assert_eq!(
        number(
            &mut client,
            "SELECT qty_refunded::float8 FROM inventory.order_item WHERE order_id = 'o-1'",
            &[]
        ),
        7.0
    );
    assert_eq!(salable(&mut client, "RF-3", 1), 97.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn refunding_more_than_the_order_can_give_back_is_refused() {
    let mut client = fresh_db("orders_over_refund");
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'RF-4', 100)",
    );
    place(&mut client, "o-1", 1, r#"[{"sku": "RF-4", "qty": 10}]"#);
    ship(
        &mut client,
        "o-1",
        "ship-1",
        "default",
        Some(r#"[{"sku": "RF-4", "qty": 6}]"#),
    );

    expect_error(
        &mut client,
        r#"SELECT inventory.refund_order('o-1', 'cm-1', '[{"sku": "RF-4", "qty": 11}]')"#,
        "IN003",
    );
    assert_eq!(
        refund(
            &mut client,
            "o-1",
            "cm-2",
            r#"[{"sku": "RF-4", "qty": 8}]"#,
            false
        ),
        8.0
    );
    // 2 left to refund; 3 is one too many.
    expect_error(
        &mut client,
        r#"SELECT inventory.refund_order('o-1', 'cm-3', '[{"sku": "RF-4", "qty": 3}]')"#,
        "IN003",
    );

    assert_eq!(
        count(&mut client, "SELECT count(*) FROM inventory.credit_memo"),
        1
    );
    assert_eq!(source_qty(&mut client, "default", "RF-4"), 94.0);
    assert_eq!(salable(&mut client, "RF-4", 1), 94.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn reservations_cannot_be_updated_or_truncated() {
    let mut client = fresh_db("orders_ledger_no_update");
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'LG-1', 10)",
    );
    place(&mut client, "o-1", 1, r#"[{"sku": "LG-1", "qty": 3}]"#);

    expect_error(
        &mut client,
        "UPDATE inventory.reservation SET quantity = -1",
        "IN004",
    );
    expect_error(&mut client, "TRUNCATE inventory.reservation", "IN004");

    assert_eq!(
        reservations(&mut client, "o-1", "LG-1"),
        vec![held("order_placed", -3.0)]
    );
    assert_eq!(salable(&mut client, "LG-1", 1), 7.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn an_open_reservation_cannot_be_deleted() {
    let mut client = fresh_db("orders_ledger_no_delete");
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'LG-2', 10)",
    );
    place(&mut client, "o-1", 1, r#"[{"sku": "LG-2", "qty": 3}]"#);

    expect_error(
        &mut client,
        "DELETE FROM inventory.reservation WHERE order_id = 'o-1'",
        "IN004",
    );

    assert_eq!(
        reservations(&mut client, "o-1", "LG-2"),
        vec![held("order_placed", -3.0)]
    );
    assert_eq!(salable(&mut client, "LG-2", 1), 7.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn a_reservation_releasing_more_than_the_order_holds_is_refused() {
    let mut client = fresh_db("orders_ledger_over_release");
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'LG-3', 10)",
    );
    place(&mut client, "o-1", 1, r#"[{"sku": "LG-3", "qty": 3}]"#);

    // The order holds 3; giving back 5 would free 2 units that belong to nobody.
    expect_error_params(
        &mut client,
        "INSERT INTO inventory.reservation (stock_id, sku, quantity, metadata) \
         VALUES (1, 'LG-3', 5, jsonb_build_object('event_type', 'order_canceled', \
                 'object_type', 'order', 'object_id', $1::text))",
        &[&"o-1"],
        "IN003",
    );

    assert_eq!(
        reservations(&mut client, "o-1", "LG-3"),
        vec![held("order_placed", -3.0)]
    );
    assert_eq!(salable(&mut client, "LG-3", 1), 7.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn one_reservation_statement_over_skus_with_and_without_kept_figures_applies_every_row() {
    let mut client = fresh_db("orders_reservations_new_and_kept");
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'KF-1', 10), ('default', 'KF-2', 4)",
    );
    // KF-1 and KF-2 have kept figures; NF-1 has none (no item anywhere) until this
    // statement, and KF-2 is named twice.
    run(
        &mut client,
        "INSERT INTO inventory.reservation (stock_id, sku, quantity) \
         VALUES (1, 'NF-1', -2), (1, 'kf-1', -3), (1, 'KF-2', -1), (1, 'KF-2', -1.5)",
    );
    assert_eq!(salable(&mut client, "KF-1", 1), 7.0);
    assert_eq!(salable(&mut client, "KF-2", 1), 1.5);
    // Without an item NF-1 is not salable, but its hold is kept.
    assert_eq!(salable(&mut client, "NF-1", 1), 0.0);
    assert_eq!(
        number(
            &mut client,
            "SELECT reserved::float8 FROM inventory.stock_sku WHERE stock_id = 1 AND sku = $1",
            &[&"NF-1"],
        ),
        -2.0
    );
    // The item arrives later: the hold counts against it.
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'NF-1', 5)",
    );
    assert_eq!(salable(&mut client, "NF-1", 1), 3.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn calls_on_unknown_stocks_orders_and_sources_name_them() {
    let mut client = fresh_db("orders_unknown_objects");
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'UK-1', 10)",
    );
    place(&mut client, "o-1", 1, r#"[{"sku": "UK-1", "qty": 2}]"#);

    for (sql, named) in [
        (
            r#"SELECT * FROM inventory.place_order('o-2', 99, '[{"sku": "UK-1", "qty": 1}]')"#,
            "99",
        ),
        ("SELECT inventory.cancel_order('o-404')", "o-404"),
        (
            "SELECT inventory.ship_order('o-404', 'ship-1', 'default')",
            "o-404",
        ),
        (
            "SELECT inventory.ship_order('o-1', 'ship-1', 'nowhere')",
            "nowhere",
        ),
        (
            r#"SELECT inventory.refund_order('o-404', 'cm-1', '[{"sku": "UK-1", "qty": 1}]')"#,
            "o-404",
        ),
    ] {
        let error = expect_error(&mut client, sql, "42704");
        assert!(
            error.message().contains(named),
            "`{sql}`: {}",
            error.message()
        );
    }

    assert_eq!(
        count(&mut client, "SELECT count(*) FROM inventory.sales_order"),
        1
    );
    assert_eq!(salable(&mut client, "UK-1", 1), 8.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn null_and_malformed_arguments_are_refused_and_change_nothing() {
    let mut client = fresh_db("orders_bad_arguments");
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         VALUES ('default', 'BA-1', 10)",
    );
    place(&mut client, "o-1", 1, r#"[{"sku": "BA-1", "qty": 2}]"#);

    for sql in [
        r#"SELECT * FROM inventory.place_order(NULL, 1, '[{"sku": "BA-1", "qty": 1}]')"#,
        r#"SELECT * FROM inventory.place_order('o-2', NULL, '[{"sku": "BA-1", "qty": 1}]')"#,
        "SELECT * FROM inventory.place_order('o-2', 1, NULL)",
        "SELECT inventory.cancel_order(NULL)",
        "SELECT inventory.ship_order('o-1', NULL, 'default')",
        "SELECT inventory.ship_order('o-1', 'ship-1', NULL)",
        "SELECT inventory.refund_order('o-1', 'cm-1', NULL)",
        r#"SELECT inventory.refund_order('o-1', 'cm-1', '[{"sku": "BA-1", "qty": 1}]', NULL)"#,
    ] {
        expect_error(&mut client, sql, "22004");
    }
    for sql in [
        "SELECT * FROM inventory.place_order('o-2', 1, '[]')",
        r#"SELECT * FROM inventory.place_order('o-2', 1, '[{"sku": "BA-1", "qty": 0}]')"#,
        r#"SELECT * FROM inventory.place_order('o-2', 1, '[{"sku": "BA-1", "qty": -1}]')"#,
        // BA-1 has no decimal quantities.
        r#"SELECT * FROM inventory.place_order('o-2', 1, '[{"sku": "BA-1", "qty": 1.5}]')"#,
        r#"SELECT * FROM inventory.place_order(' o-2', 1, '[{"sku": "BA-1", "qty": 1}]')"#,
        r#"SELECT inventory.cancel_order('o-1', '[{"sku": "NOT-ON-IT", "qty": 1}]')"#,
    ] {
        expect_error(&mut client, sql, "22023");
    }

    assert_eq!(
        count(&mut client, "SELECT count(*) FROM inventory.sales_order"),
        1
    );
    assert_eq!(
        reservations(&mut client, "o-1", "BA-1"),
        vec![held("order_placed", -2.0)]
    );
    assert_eq!(salable(&mut client, "BA-1", 1), 8.0);
    assert_books_balance(&mut client, "");
}

#[test]
fn whole_unit_products_move_in_whole_units_in_every_function() {
    let mut c = inventory_tests::fresh_db("orders_whole_units_everywhere");
    c.batch_execute(
        "INSERT INTO inventory.source (source_code, name, country_code, postcode)
         VALUES ('two', 'Two', 'US', '10001');
         INSERT INTO inventory.source_item VALUES ('default', 'W-1', 10, 1), ('two', 'W-1', 0, 1);
         SELECT * FROM inventory.place_order('whole-1', 1, '[{\"sku\": \"W-1\", \"qty\": 2}]');",
    )
    .expect("set up");
    for sql in [
        "SELECT inventory.ship_order('whole-1', 'ship-1', 'default', '[{\"sku\": \"W-1\", \"qty\": 0.5}]')",
        "SELECT inventory.cancel_order('whole-1', '[{\"sku\": \"W-1\", \"qty\": 0.25}]')",
        "SELECT inventory.refund_order('whole-1', 'memo-1', '[{\"sku\": \"W-1\", \"qty\": 1.5}]')",
        "SELECT inventory.partial_transfer('default', 'two', '[{\"sku\": \"W-1\", \"qty\": 0.3333}]')",
    ] {
        let e = inventory_tests::expect_error(&mut c, sql, "22023");
        assert!(e.message().contains("fractional"), "{}", e.message());
    }
    let open: String = c
        .query_one(
            "SELECT qty_open::text FROM inventory.order_item WHERE order_id = 'whole-1'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(open, "2");
    inventory_tests::assert_kept_figures_match(&mut c);
}
