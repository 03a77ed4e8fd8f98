//! The model (behaviour.md sections 1 and 7): what CREATE EXTENSION creates, the
//! rules that keep the default source and stock in place, and every validation
//! rule, each shown to raise its error and to write nothing.

use inventory_tests::{assert_kept_figures_match, count, expect_error, fresh_db, shared_data};
use postgres::Client;

fn exec(c: &mut Client, sql: &str) {
    c.batch_execute(sql)
        .unwrap_or_else(|e| panic!("`{sql}` failed: {e}"));
}

/// Every row of the writable tables, as text, to prove a failed statement wrote nothing.
fn snapshot(c: &mut Client) -> Vec<String> {
    let tables = [
        "source",
        "stock",
        "stock_sales_channel",
        "stock_source_link",
        "source_item",
        "product",
        "defaults",
        "stock_sku",
        "sku_holding",
    ];
    tables
        .iter()
        .map(|t| {
            c.query_one(
                &format!(
                    "SELECT coalesce(string_agg(x::text, '|' ORDER BY x::text), '')
                       FROM inventory.{t} x"
                ),
                &[],
            )
            .unwrap()
            .get(0)
        })
        .collect()
}

#[test]
fn create_extension_makes_the_default_source_stock_and_channel() {
    let mut c = fresh_db("model_defaults_created");
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM inventory.source WHERE source_code = 'default' AND enabled"
        ),
        1
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM inventory.stock WHERE stock_id = 1 AND name = 'Default Stock'"
        ),
        1
    );
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM inventory.stock_source_link WHERE stock_id = 1 AND source_code = 'default' AND priority = 1"),
        1
    );
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM inventory.stock_sales_channel WHERE type = 'website' AND code = 'base' AND stock_id = 1"),
        1
    );
    let defaults = c
        .query_one(
            "SELECT manage_stock, backorders::int, min_qty::text, min_sale_qty::text,
                    max_sale_qty::text, enable_qty_increments, qty_increments::text,
                    notify_stock_qty::text, can_subtract, notify_qty_reduces_salable
               FROM inventory.defaults",
            &[],
        )
        .unwrap();
    assert!(defaults.get::<_, bool>(0));
    assert_eq!(defaults.get::<_, i32>(1), 0);
    assert_eq!(defaults.get::<_, String>(2), "0");
    assert_eq!(defaults.get::<_, String>(3), "1");
    assert_eq!(defaults.get::<_, String>(4), "10000");
    assert!(!defaults.get::<_, bool>(5));
    assert_eq!(defaults.get::<_, String>(6), "1");
    assert_eq!(defaults.get::<_, String>(7), "1");
    assert!(defaults.get::<_, bool>(8));
    assert!(!defaults.get::<_, bool>(9));
}

#[test]
fn the_default_source_and_stock_stay_in_place() {
    let mut c = fresh_db("model_default_rules");
    exec(
        &mut c,
        "INSERT INTO inventory.source (source_code, name, country_code, postcode)
         VALUES ('wh', 'Warehouse', 'DE', '10115');
         INSERT INTO inventory.stock (name) VALUES ('EU');",
    );
    let before = snapshot(&mut c);

    for (sql, code) in [
        (
            "UPDATE inventory.source SET enabled = false WHERE source_code = 'default'",
            "23514",
        ),
        (
            "DELETE FROM inventory.source WHERE source_code = 'default'",
            "23514",
        ),
        ("DELETE FROM inventory.stock WHERE stock_id = 1", "23514"),
        (
            "INSERT INTO inventory.stock_source_link VALUES (2, 'default', 1)",
            "23514",
        ),
        (
            "INSERT INTO inventory.stock_source_link VALUES (1, 'wh', 2)",
            "23514",
        ),
        (
            "DELETE FROM inventory.stock_source_link WHERE stock_id = 1",
            "23514",
        ),
        (
            "UPDATE inventory.source SET source_code = 'x' WHERE source_code = 'wh'",
            "23514",
        ),
        ("DELETE FROM inventory.defaults", "23514"),
        (
            "INSERT INTO inventory.defaults (id) VALUES (false)",
            "23514",
        ),
    ] {
        expect_error(&mut c, sql, code);
        assert_eq!(snapshot(&mut c), before, "`{sql}` wrote something");
    }

    // A stock with a sales channel cannot go; without one it can.
    exec(
        &mut c,
        "INSERT INTO inventory.stock_sales_channel VALUES ('website', 'de', 2)",
    );
    expect_error(
        &mut c,
        "DELETE FROM inventory.stock WHERE stock_id = 2",
        "23503",
    );
    exec(
        &mut c,
        "DELETE FROM inventory.stock_sales_channel WHERE code = 'de';
         DELETE FROM inventory.stock WHERE stock_id = 2;",
    );

    // A source can be deleted only while nothing refers to it.
    exec(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('wh', 'W-1', 1, 1)",
    );
    expect_error(
        &mut c,
        "DELETE FROM inventory.source WHERE source_code = 'wh'",
        "23503",
    );
    exec(
        &mut c,
        "DELETE FROM inventory.source_item WHERE source_code = 'wh';
         DELETE FROM inventory.source WHERE source_code = 'wh';",
    );
    assert_eq!(count(&mut c, "SELECT count(*) FROM inventory.source"), 1);
    assert_kept_figures_match(&mut c);
}

#[test]
fn bad_rows_are_rejected_and_nothing_is_written() {
    let mut c = fresh_db("model_validation");
    exec(
        &mut c,
        "INSERT INTO inventory.source (source_code, name, country_code, postcode)
         VALUES ('wh', 'Warehouse', 'US', '10001');
         INSERT INTO inventory.stock (name) VALUES ('Second');
         INSERT INTO inventory.stock_source_link VALUES (2, 'wh', 1);
         INSERT INTO inventory.source_item VALUES ('wh', 'OK-1', 5, 1);",
    );
    let before = snapshot(&mut c);
    let long_sku = "S".repeat(65);

    let cases: Vec<(String, &str)> = vec![
        // SKUs: empty, longer than 64 characters, surrounding whitespace.
        ("INSERT INTO inventory.source_item VALUES ('wh', '', 1, 1)".into(), "23514"),
        (format!("INSERT INTO inventory.source_item VALUES ('wh', '{long_sku}', 1, 1)"), "23514"),
        ("INSERT INTO inventory.source_item VALUES ('wh', ' A', 1, 1)".into(), "23514"),
        ("INSERT INTO inventory.source_item VALUES ('wh', 'A ', 1, 1)".into(), "23514"),
        ("INSERT INTO inventory.source_item VALUES ('wh', E'A\\t', 1, 1)".into(), "23514"),
        ("INSERT INTO inventory.product (sku) VALUES (' P')".into(), "23514"),
        // Source codes: empty, with whitespace.
        ("INSERT INTO inventory.source (source_code, name, country_code, postcode) VALUES ('', 'x', 'US', '1')".into(), "23514"),
        ("INSERT INTO inventory.source (source_code, name, country_code, postcode) VALUES ('a b', 'x', 'US', '1')".into(), "23514"),
        ("INSERT INTO inventory.source (source_code, name, country_code, postcode) VALUES ('ab', 'x', 'USA', '1')".into(), "23514"),
        ("INSERT INTO inventory.source (source_code, name, country_code, postcode) VALUES ('ab', 'x', 'US', NULL)".into(), "23502"),
        // Status other than 0/1.
        ("INSERT INTO inventory.source_item VALUES ('wh', 'A', 1, 2)".into(), "23514"),
        ("UPDATE inventory.source_item SET status = -1".into(), "23514"),
        // Priority <= 0.
        ("UPDATE inventory.stock_source_link SET priority = 0 WHERE stock_id = 2".into(), "23514"),
        // Quantities: NaN, infinite, too large, too precise.
        ("INSERT INTO inventory.source_item VALUES ('wh', 'A', 'NaN', 1)".into(), "23514"),
        ("INSERT INTO inventory.source_item VALUES ('wh', 'A', 'Infinity', 1)".into(), "23514"),
        ("INSERT INTO inventory.source_item VALUES ('wh', 'A', 100000000, 1)".into(), "23514"),
        ("INSERT INTO inventory.source_item VALUES ('wh', 'A', 1.00001, 1)".into(), "23514"),
        ("UPDATE inventory.source_item SET quantity = quantity + 0.00001".into(), "23514"),
        ("INSERT INTO inventory.product (sku, min_qty) VALUES ('P', 'NaN')".into(), "23514"),
        ("INSERT INTO inventory.product (sku, min_sale_qty) VALUES ('P', 0)".into(), "23514"),
        ("INSERT INTO inventory.product (sku, backorders) VALUES ('P', 3)".into(), "23514"),
        ("INSERT INTO inventory.product (sku, type_id) VALUES ('P', 'kit')".into(), "23514"),
        ("UPDATE inventory.defaults SET qty_increments = 0".into(), "23514"),
        // Links involving the default source or stock other than their own.
        ("INSERT INTO inventory.stock_source_link VALUES (2, 'default', 1)".into(), "23514"),
        ("INSERT INTO inventory.stock_source_link VALUES (1, 'wh', 1)".into(), "23514"),
        // Coordinates.
        ("UPDATE inventory.source SET latitude = 91, longitude = 0 WHERE source_code = 'wh'".into(), "23514"),
        ("UPDATE inventory.source SET latitude = 0, longitude = -180.5 WHERE source_code = 'wh'".into(), "23514"),
        ("UPDATE inventory.source SET latitude = 10, longitude = NULL WHERE source_code = 'wh'".into(), "23514"),
        // Unknown source, and a composite product with a source item.
        ("INSERT INTO inventory.source_item VALUES ('nowhere', 'A', 1, 1)".into(), "23503"),
        ("INSERT INTO inventory.product (sku, type_id) VALUES ('OK-1', 'configurable')".into(), "23514"),
        // The same SKU in another case is the same item.
        ("INSERT INTO inventory.source_item VALUES ('wh', 'ok-1', 1, 1)".into(), "23505"),
    ];
    for (sql, code) in &cases {
        let e = expect_error(&mut c, sql, code);
        assert!(!e.message().is_empty());
        assert_eq!(&snapshot(&mut c), &before, "`{sql}` wrote something");
    }
    assert_kept_figures_match(&mut c);
}

#[test]
fn validation_errors_say_what_is_wrong() {
    let mut c = fresh_db("model_validation_messages");
    let e = expect_error(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('default', 'A', 'NaN', 1)",
        "23514",
    );
    assert!(
        e.message().contains("quantity must be finite"),
        "{}",
        e.message()
    );
    let e = expect_error(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('default', ' A', 1, 1)",
        "23514",
    );
    assert!(
        e.message().contains("SKU must be 1 to 64 characters"),
        "{}",
        e.message()
    );
    let e = expect_error(
        &mut c,
        "DELETE FROM inventory.stock WHERE stock_id = 1",
        "23514",
    );
    assert!(e.message().contains("Default Stock"), "{}", e.message());
}

#[test]
fn the_real_magento_sample_catalog_imports() {
    let mut c = fresh_db("model_import_magento_sample");
    let csv = std::fs::read_to_string(shared_data("magento-sample/catalog_product.csv"))
        .expect("read the Magento sample catalog");
    let row = c
        .query_one(
            "SELECT products, source_items FROM inventory.import_legacy_catalog($1)",
            &[&csv],
        )
        .expect("import the catalog");
    let (products, items): (i32, i32) = (row.get(0), row.get(1));
    assert_eq!((products, items), (1994, 1847));

    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM inventory.product WHERE type_id = 'simple'"
        ),
        1847
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM inventory.product WHERE type_id = 'configurable'"
        ),
        147
    );
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM inventory.source_item si JOIN inventory.product p USING (sku) WHERE p.type_id = 'configurable'"),
        0
    );

    // MH01-XS-Black: qty 100, in stock, every setting from the configuration.
    let row = c
        .query_one(
            "SELECT si.quantity::text, si.status::int, p.manage_stock, p.backorders::int,
                    p.min_qty::text, p.is_qty_decimal
               FROM inventory.source_item si JOIN inventory.product p USING (sku)
              WHERE si.source_code = 'default' AND si.sku = 'MH01-XS-Black'",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, String>(0).parse::<f64>().unwrap(), 100.0);
    assert_eq!(row.get::<_, i32>(1), 1);
    assert_eq!(row.get::<_, Option<bool>>(2), None);
    assert_eq!(row.get::<_, Option<i32>>(3), None);
    assert_eq!(row.get::<_, Option<String>>(4), None);
    assert!(!row.get::<_, bool>(5));
    let salable: String = c
        .query_one(
            "SELECT inventory.get_product_salable_qty('mh01-xs-black', 1)::text",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(salable.parse::<f64>().unwrap(), 100.0);

    // The quantities on the default source add up to the file's.
    let file_total: f64 = csv_total(&csv);
    let kept_total: String = c
        .query_one(
            "SELECT sum(quantity)::text FROM inventory.stock_index WHERE stock_id = 1",
            &[],
        )
        .unwrap()
        .get(0);
    assert!((kept_total.parse::<f64>().unwrap() - file_total).abs() < 1e-6);

    // Importing again changes nothing and counts the same.
    let again: i32 = c
        .query_one(
            "SELECT products FROM inventory.import_legacy_catalog($1)",
            &[&csv],
        )
        .unwrap()
        .get(0);
    assert_eq!(again, 1994);
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM inventory.source_item"),
        1847
    );
    assert_kept_figures_match(&mut c);
}

/// The sum of `qty` over the simple products of a catalog export, read with the csv crate.
fn csv_total(csv: &str) -> f64 {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    let col = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (qty, kind, view) = (col("qty"), col("product_type"), col("store_view_code"));
    reader
        .records()
        .map(|r| r.unwrap())
        .filter(|r| &r[kind] == "simple" && r[view].is_empty())
        .map(|r| r[qty].parse::<f64>().unwrap_or(0.0))
        .sum()
}

#[test]
fn a_malformed_catalog_is_rejected_with_its_line_and_writes_nothing() {
    let mut c = fresh_db("model_import_malformed");
    let before = snapshot(&mut c);
    let csv = "sku,product_type,qty,is_in_stock\n\
               GOOD-1,simple,5,1\n\
               \"BAD-2\",simple,abc,1\n";
    let e = inventory_tests::expect_error_params(
        &mut c,
        "SELECT * FROM inventory.import_legacy_catalog($1)",
        &[&csv],
        "22P04",
    );
    assert!(e.message().contains("line 3"), "{}", e.message());
    assert_eq!(snapshot(&mut c), before);

    let unterminated = "sku,product_type,qty\nA,simple,1\n\"B,simple,2\n";
    let e = inventory_tests::expect_error_params(
        &mut c,
        "SELECT * FROM inventory.import_legacy_catalog($1)",
        &[&unterminated],
        "22P04",
    );
    assert!(e.message().contains("line 3"), "{}", e.message());
    assert_eq!(snapshot(&mut c), before);
}

#[test]
fn a_catalog_with_settings_and_composites_lands_where_it_should() {
    let mut c = fresh_db("model_import_settings");
    let csv =
        "description,sku,product_type,qty,is_in_stock,allow_backorders,use_config_backorders,\
out_of_stock_qty,use_config_min_qty,is_qty_decimal\n\
\"Line one,\nline \"\"two\"\"\",ROPE-1,simple,12.5,1,1,0,-5,0,1\n\
,KIT-1,configurable,,,,,,,\n\
,GONE-1,simple,0,0,0,1,0,1,0\n";
    let row = c
        .query_one(
            "SELECT products, source_items FROM inventory.import_legacy_catalog($1)",
            &[&csv],
        )
        .unwrap();
    assert_eq!((row.get::<_, i32>(0), row.get::<_, i32>(1)), (3, 2));
    let row = c
        .query_one(
            "SELECT backorders::int, min_qty::text, is_qty_decimal FROM inventory.product WHERE sku = 'ROPE-1'",
            &[],
        )
        .unwrap();
    assert_eq!(row.get::<_, Option<i32>>(0), Some(1));
    assert_eq!(
        row.get::<_, Option<String>>(1)
            .unwrap()
            .parse::<f64>()
            .unwrap(),
        -5.0
    );
    assert!(row.get::<_, bool>(2));
    // 12.5 on hand, threshold -5 with backorders: 17.5 salable.
    let salable: String = c
        .query_one(
            "SELECT inventory.get_product_salable_qty('ROPE-1', 1)::text",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(salable.parse::<f64>().unwrap(), 17.5);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM inventory.source_item WHERE sku = 'KIT-1'"
        ),
        0
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM inventory.source_item WHERE sku = 'GONE-1' AND status = 0"
        ),
        1
    );
    assert_kept_figures_match(&mut c);
}
