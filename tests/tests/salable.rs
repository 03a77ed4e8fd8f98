//! Salable quantity (behaviour.md section 2), with the numbers of each rule.
//! Every scenario ends by proving the kept figures equal a full recomputation.

use inventory_tests::{assert_kept_figures_match, expect_error, fresh_db};
use postgres::Client;

/// A database with sources s1, s2, s3 linked to a stock 2 (priorities 1, 2, 3).
fn shop(name: &str) -> Client {
    let mut c = fresh_db(name);
    c.batch_execute(
        "INSERT INTO inventory.source (source_code, name, country_code, postcode)
         VALUES ('s1', 'S1', 'US', '10001'), ('s2', 'S2', 'US', '60601'),
                ('s3', 'S3', 'US', '90001');
         INSERT INTO inventory.stock (stock_id, name) OVERRIDING SYSTEM VALUE
         VALUES (2, 'Second');
         INSERT INTO inventory.stock_source_link (stock_id, source_code, priority)
         VALUES (2, 's1', 1), (2, 's2', 2), (2, 's3', 3);",
    )
    .expect("set up the shop");
    c
}

fn exec(c: &mut Client, sql: &str) {
    c.batch_execute(sql)
        .unwrap_or_else(|e| panic!("`{sql}` failed: {e}"));
}

fn salable_qty(c: &mut Client, sku: &str, stock: i32) -> String {
    c.query_one(
        "SELECT inventory.get_product_salable_qty($1, $2)::text",
        &[&sku, &stock],
    )
    .expect("get_product_salable_qty")
    .get(0)
}

fn is_salable(c: &mut Client, sku: &str, stock: i32) -> bool {
    c.query_one(
        "SELECT inventory.is_product_salable($1, $2)",
        &[&sku, &stock],
    )
    .expect("is_product_salable")
    .get(0)
}

/// What the views say: (stock_index.is_salable, salable_quantity.salable_qty, .threshold).
fn views(c: &mut Client, sku: &str, stock: i32) -> (bool, String, String) {
    let row = c
        .query_one(
            "SELECT i.is_salable, q.salable_qty::text, q.threshold::text
               FROM inventory.stock_index i
               JOIN inventory.salable_quantity q USING (stock_id, sku)
              WHERE i.stock_id = $2 AND i.sku = $1",
            &[&sku, &stock],
        )
        .expect("views");
    (row.get(0), row.get(1), row.get(2))
}

/// (is_salable, error codes) of is_product_salable_for_requested_qty.
fn check(c: &mut Client, sku: &str, stock: i32, qty: &str) -> (bool, Vec<String>) {
    let row = c
        .query_one(
            "SELECT r.is_salable,
                    ARRAY(SELECT e ->> 'code' FROM jsonb_array_elements(r.errors) e)
               FROM inventory.is_product_salable_for_requested_qty($1, $2, $3::text::numeric) r",
            &[&sku, &stock, &qty],
        )
        .expect("is_product_salable_for_requested_qty");
    (row.get(0), row.get(1))
}

#[test]
fn single_source_of_ten_with_thresholds_without_backorders() {
    let mut c = shop("salable_thresholds_no_backorders");
    exec(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('s1', 'T-1', 10, 1)",
    );

    for (min_qty, salable, threshold) in [("0", "10", "0"), ("3", "7", "3"), ("-10", "10", "0")] {
        exec(
            &mut c,
            &format!(
                "INSERT INTO inventory.product (sku, min_qty, backorders) VALUES ('T-1', {min_qty}, 0)
                 ON CONFLICT (sku) DO UPDATE SET min_qty = EXCLUDED.min_qty"
            ),
        );
        assert_eq!(salable_qty(&mut c, "T-1", 2), salable, "min_qty {min_qty}");
        assert!(is_salable(&mut c, "T-1", 2));
        let (index_salable, view_salable, view_threshold) = views(&mut c, "T-1", 2);
        assert!(index_salable);
        assert_eq!(view_salable, salable);
        assert_eq!(
            view_threshold, threshold,
            "adapted threshold for min_qty {min_qty}"
        );
        assert_kept_figures_match(&mut c);
    }

    // Threshold 3: 7 may be sold, 8 may not.
    exec(
        &mut c,
        "UPDATE inventory.product SET min_qty = 3 WHERE sku = 'T-1'",
    );
    assert_eq!(check(&mut c, "T-1", 2, "7"), (true, vec![]));
    assert_eq!(
        check(&mut c, "T-1", 2, "8"),
        (
            false,
            vec!["is_salable_with_reservations-not_enough_qty".to_string()]
        )
    );
}

#[test]
fn single_source_of_ten_with_thresholds_and_backorders() {
    let mut c = shop("salable_thresholds_backorders");
    exec(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('s1', 'B-1', 10, 1)",
    );

    // Backorders ignore a positive threshold (0 means unlimited backorders).
    for (min_qty, salable, threshold) in [("0", "10", "0"), ("3", "10", "0"), ("-10", "20", "-10")]
    {
        exec(
            &mut c,
            &format!(
                "INSERT INTO inventory.product (sku, min_qty, backorders) VALUES ('B-1', {min_qty}, 1)
                 ON CONFLICT (sku) DO UPDATE SET min_qty = EXCLUDED.min_qty"
            ),
        );
        assert_eq!(salable_qty(&mut c, "B-1", 2), salable, "min_qty {min_qty}");
        let (index_salable, view_salable, view_threshold) = views(&mut c, "B-1", 2);
        assert!(index_salable);
        assert_eq!(
            (view_salable.as_str(), view_threshold.as_str()),
            (salable, threshold)
        );
        assert_kept_figures_match(&mut c);
    }

    // Threshold -10: 20 may be sold, 21 may not.
    assert_eq!(check(&mut c, "B-1", 2, "20"), (true, vec![]));
    assert!(!check(&mut c, "B-1", 2, "21").0);

    // Threshold 0 with backorders: unlimited.
    exec(
        &mut c,
        "UPDATE inventory.product SET min_qty = 0 WHERE sku = 'B-1'",
    );
    assert_eq!(check(&mut c, "B-1", 2, "5000"), (true, vec![]));
    assert_kept_figures_match(&mut c);
}

#[test]
fn a_disabled_source_contributes_nothing() {
    let mut c = shop("salable_disabled_source");
    exec(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('s1', 'D-1', 10, 1), ('s2', 'D-1', 20, 1),
                                                  ('s3', 'D-1', 30, 1);
         UPDATE inventory.source SET enabled = false WHERE source_code = 's2';",
    );
    assert_eq!(salable_qty(&mut c, "D-1", 2), "40");
    assert_kept_figures_match(&mut c);

    exec(
        &mut c,
        "UPDATE inventory.source SET enabled = true WHERE source_code = 's2'",
    );
    assert_eq!(salable_qty(&mut c, "D-1", 2), "60");
    assert_kept_figures_match(&mut c);
}

#[test]
fn out_of_stock_with_backorders_and_negative_threshold_is_not_salable() {
    let mut c = shop("salable_out_of_stock_backorders");
    exec(
        &mut c,
        "INSERT INTO inventory.product (sku, backorders, min_qty) VALUES ('O-1', 1, -10);
         INSERT INTO inventory.source_item VALUES ('s1', 'O-1', 100, 0);",
    );
    // MSI reports 10 here; no in-stock item means 0 and not salable.
    assert_eq!(salable_qty(&mut c, "O-1", 2), "0");
    assert!(!is_salable(&mut c, "O-1", 2));
    let (index_salable, view_salable, _) = views(&mut c, "O-1", 2);
    assert!(!index_salable);
    assert_eq!(view_salable, "0");
    assert_eq!(
        check(&mut c, "O-1", 2, "1"),
        (
            false,
            vec![
                "is_any_source_item_in_stock-no_source_items_in_stock".to_string(),
                "is_salable_with_reservations-not_enough_qty".to_string()
            ]
        )
    );
    assert_kept_figures_match(&mut c);
}

#[test]
fn zero_on_hand_with_negative_threshold_and_no_backorders_is_not_salable_anywhere() {
    let mut c = shop("salable_zero_negative_threshold");
    exec(
        &mut c,
        "INSERT INTO inventory.product (sku, backorders, min_qty) VALUES ('Z-1', 0, -10);
         INSERT INTO inventory.source_item VALUES ('s1', 'Z-1', 0, 1);",
    );
    // MSI's index used the raw -10 and showed "in stock"; both agree here.
    assert_eq!(salable_qty(&mut c, "Z-1", 2), "0");
    assert!(!is_salable(&mut c, "Z-1", 2));
    let (index_salable, view_salable, threshold) = views(&mut c, "Z-1", 2);
    assert!(!index_salable);
    assert_eq!((view_salable.as_str(), threshold.as_str()), ("0", "0"));
    assert_kept_figures_match(&mut c);
}

#[test]
fn negative_shelves_count_as_they_are() {
    let mut c = shop("salable_negative_shelf");
    exec(
        &mut c,
        "INSERT INTO inventory.product (sku, backorders, min_qty) VALUES ('N-1', 1, -10);
         INSERT INTO inventory.source_item VALUES ('s1', 'N-1', -4, 1), ('s2', 'N-1', 3, 1);",
    );
    // quantity -1, threshold -10: 9 more may be backordered.
    assert_eq!(salable_qty(&mut c, "N-1", 2), "9");
    assert!(check(&mut c, "N-1", 2, "9").0);
    assert!(!check(&mut c, "N-1", 2, "10").0);
    assert_kept_figures_match(&mut c);
}

#[test]
fn quantity_shape_rules_report_their_codes() {
    let mut c = shop("salable_quantity_shape");
    exec(
        &mut c,
        "INSERT INTO inventory.product
                (sku, min_sale_qty, max_sale_qty, enable_qty_increments, qty_increments, is_qty_decimal)
         VALUES ('ROPE', 0.5, 20, true, 0.1, true),
                ('BOX', 2, 10, true, 2, false),
                ('PLAIN', NULL, NULL, NULL, NULL, false);
         INSERT INTO inventory.source_item VALUES ('s1', 'ROPE', 100, 1), ('s1', 'BOX', 100, 1),
                                                  ('s1', 'PLAIN', 100, 1);",
    );

    // min sale 0.5 with increment 0.1 accepts 0.5 (0.5 is a multiple of 0.1).
    assert_eq!(check(&mut c, "ROPE", 2, "0.5"), (true, vec![]));
    assert_eq!(check(&mut c, "ROPE", 2, "1.3"), (true, vec![]));
    assert_eq!(
        check(&mut c, "ROPE", 2, "0.4").1,
        vec!["is_correct_qty-min_sale_qty"]
    );
    assert_eq!(
        check(&mut c, "ROPE", 2, "20.5").1,
        vec!["is_correct_qty-max_sale_qty"]
    );
    assert_eq!(
        check(&mut c, "ROPE", 2, "1.25").1,
        vec!["is_correct_qty-qty_increment"]
    );
    assert_eq!(
        check(&mut c, "BOX", 2, "3").1,
        vec!["is_correct_qty-qty_increment"]
    );
    assert_eq!(check(&mut c, "BOX", 2, "4"), (true, vec![]));

    // 1.34 of a product without decimal quantities.
    assert_eq!(
        check(&mut c, "PLAIN", 2, "1.34").1,
        vec!["is_correct_qty-is_qty_decimal"]
    );

    // Only the first shape rule is reported, with the stock rules after it.
    assert_eq!(
        check(&mut c, "BOX", 2, "101").1,
        vec![
            "is_correct_qty-max_sale_qty",
            "is_salable_with_reservations-not_enough_qty"
        ]
    );
    // The defaults: max_sale_qty 10000.
    assert_eq!(
        check(&mut c, "PLAIN", 2, "10001").1[0],
        "is_correct_qty-max_sale_qty"
    );
    assert_kept_figures_match(&mut c);
}

#[test]
fn a_sku_without_items_in_the_stock_is_not_assigned() {
    let mut c = shop("salable_not_assigned");
    exec(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('default', 'U-1', 5, 1)",
    );
    assert_eq!(salable_qty(&mut c, "U-1", 2), "0");
    assert_eq!(salable_qty(&mut c, "U-1", 1), "5");
    assert_eq!(
        check(&mut c, "U-1", 2, "1").1,
        vec![
            "is_any_source_item_in_stock-no_source_items_in_stock",
            "requested-sku-is-not-assigned-to-given-stock",
            "is_salable_with_reservations-not_enough_qty"
        ]
    );

    // With manage_stock off only the shape and the assignment count.
    exec(
        &mut c,
        "INSERT INTO inventory.product (sku, manage_stock) VALUES ('U-1', false)",
    );
    assert_eq!(
        check(&mut c, "U-1", 2, "1").1,
        vec!["requested-sku-is-not-assigned-to-given-stock"]
    );
    assert_eq!(check(&mut c, "U-1", 1, "1000"), (true, vec![]));
    assert!(is_salable(&mut c, "U-1", 1));
    assert_kept_figures_match(&mut c);
}

#[test]
fn skus_compare_case_insensitively_and_keep_the_first_spelling() {
    let mut c = shop("salable_case_insensitive");
    exec(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('s1', 'Abc-1', 4, 1), ('s2', 'ABC-1', 6, 1)",
    );
    assert_eq!(salable_qty(&mut c, "abc-1", 2), "10");
    let spelling: String = c
        .query_one(
            "SELECT sku FROM inventory.stock_index WHERE stock_id = 2",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(spelling.to_lowercase(), "abc-1");
    expect_error(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('s1', 'ABC-1', 1, 1)",
        "23505",
    );
    assert_kept_figures_match(&mut c);
}

#[test]
fn notify_quantity_reduces_salable_only_when_the_defaults_say_so() {
    let mut c = shop("salable_notify_quantity");
    exec(
        &mut c,
        "INSERT INTO inventory.product (sku, notify_stock_qty) VALUES ('NQ-1', 3);
         INSERT INTO inventory.source_item VALUES ('s1', 'NQ-1', 10, 1);",
    );
    assert_eq!(salable_qty(&mut c, "NQ-1", 2), "10");
    exec(
        &mut c,
        "UPDATE inventory.defaults SET notify_qty_reduces_salable = true",
    );
    assert_eq!(salable_qty(&mut c, "NQ-1", 2), "7");
    assert_kept_figures_match(&mut c);
}

#[test]
fn settings_come_from_the_product_else_the_defaults() {
    let mut c = shop("salable_settings_fallback");
    exec(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('s1', 'S-1', 10, 1), ('s1', 'S-2', 10, 1);
         INSERT INTO inventory.product (sku, min_qty) VALUES ('S-2', 4);
         UPDATE inventory.defaults SET min_qty = 2;",
    );
    assert_eq!(salable_qty(&mut c, "S-1", 2), "8");
    assert_eq!(salable_qty(&mut c, "S-2", 2), "6");

    // Deleting the product row falls back to the defaults; items stay.
    exec(&mut c, "DELETE FROM inventory.product WHERE sku = 'S-2'");
    assert_eq!(salable_qty(&mut c, "S-2", 2), "8");
    assert_kept_figures_match(&mut c);
}

#[test]
fn links_and_item_changes_move_the_figures() {
    let mut c = shop("salable_links_change");
    exec(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('s1', 'L-1', 5, 1), ('s2', 'L-1', 7, 1)",
    );
    assert_eq!(salable_qty(&mut c, "L-1", 2), "12");
    exec(
        &mut c,
        "DELETE FROM inventory.stock_source_link WHERE stock_id = 2 AND source_code = 's2'",
    );
    assert_eq!(salable_qty(&mut c, "L-1", 2), "5");
    exec(
        &mut c,
        "UPDATE inventory.source_item SET status = 0 WHERE sku = 'L-1' AND source_code = 's1'",
    );
    assert_eq!(salable_qty(&mut c, "L-1", 2), "0");
    assert!(!is_salable(&mut c, "L-1", 2));
    exec(
        &mut c,
        "INSERT INTO inventory.stock_source_link VALUES (2, 's2', 5)",
    );
    assert_eq!(salable_qty(&mut c, "L-1", 2), "7");
    exec(
        &mut c,
        "DELETE FROM inventory.source_item WHERE sku = 'L-1'",
    );
    assert_eq!(salable_qty(&mut c, "L-1", 2), "0");
    assert_kept_figures_match(&mut c);
}

#[test]
fn a_bulk_update_keeps_every_figure_right() {
    let mut c = shop("salable_bulk_update");
    exec(
        &mut c,
        "INSERT INTO inventory.source_item (source_code, sku, quantity, status)
         SELECT s, 'BULK-' || g, g % 50, (g % 7 <> 0)::int
           FROM generate_series(1, 20000) g, unnest(ARRAY['s1', 's2']) s;
         UPDATE inventory.source_item SET quantity = quantity + 3, status = 1 - status
          WHERE sku LIKE 'BULK-%' COLLATE \"C\" AND source_code = 's1';",
    );
    let total: String = c
        .query_one(
            "SELECT sum(quantity)::text FROM inventory.stock_index WHERE stock_id = 2",
            &[],
        )
        .unwrap()
        .get(0);
    let expected: String = c
        .query_one(
            "SELECT sum(quantity)::text FROM inventory.source_item WHERE status = 1",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(total, expected);
    assert_kept_figures_match(&mut c);
}

#[test]
fn stock_by_sales_channel_finds_the_stock_or_names_the_channel() {
    let mut c = shop("salable_sales_channel");
    exec(&mut c, "INSERT INTO inventory.stock_sales_channel (type, code, stock_id) VALUES ('website', 'us', 2)");
    let stock: i32 = c
        .query_one("SELECT inventory.stock_by_sales_channel('us')", &[])
        .unwrap()
        .get(0);
    assert_eq!(stock, 2);
    let base: i32 = c
        .query_one(
            "SELECT inventory.stock_by_sales_channel('base', 'website')",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(base, 1);
    let e = expect_error(
        &mut c,
        "SELECT inventory.stock_by_sales_channel('nowhere')",
        "42704",
    );
    assert!(e.message().contains("nowhere"), "{}", e.message());
}

#[test]
fn lookups_reject_bad_arguments() {
    let mut c = shop("salable_bad_arguments");
    expect_error(
        &mut c,
        "SELECT inventory.get_product_salable_qty('X', 99)",
        "42704",
    );
    expect_error(
        &mut c,
        "SELECT inventory.get_product_salable_qty(NULL, 1)",
        "22004",
    );
    expect_error(
        &mut c,
        "SELECT inventory.is_product_salable('X', NULL)",
        "22004",
    );
    expect_error(
        &mut c,
        "SELECT inventory.is_product_salable(' X', 1)",
        "22023",
    );
    expect_error(
        &mut c,
        "SELECT * FROM inventory.is_product_salable_for_requested_qty('X', 1, 'NaN')",
        "22023",
    );
    expect_error(
        &mut c,
        "SELECT * FROM inventory.is_product_salable_for_requested_qty('X', 1, 1.00001)",
        "22023",
    );
    expect_error(
        &mut c,
        "SELECT * FROM inventory.is_product_salable_for_requested_qty('X', 1, 0)",
        "22023",
    );
}
