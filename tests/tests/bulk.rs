//! Bulk operations, import and export, and the low-stock report (behaviour.md sections 5
//! and 6), each scenario with its own numbers. Every scenario that writes ends by proving
//! the kept figures equal a full recomputation.

use std::fmt::Write as _;
use std::fs;
use std::io::{Read, Write};

use inventory_tests::postgres::error::DbError;
use inventory_tests::postgres::types::ToSql;
use inventory_tests::postgres::{Client, Error};
use inventory_tests::{
    assert_kept_figures_match, connect, count, describe, expect_error, expect_error_params,
    fresh_db, run, shared_data,
};

const COPY_IMPORT: &str = "COPY inventory.source_item_import FROM STDIN WITH (FORMAT csv, HEADER)";
const COPY_EXPORT: &str =
    "COPY (SELECT * FROM inventory.source_item_export) TO STDOUT WITH (FORMAT csv, HEADER)";

/// A source item as the tests compare it: source, SKU, status and quantity written without
/// trailing zeros (`6.8800` and `6.88` are one quantity).
type Item = (String, String, i16, String);

fn item(source_code: &str, sku: &str, status: i16, quantity: &str) -> Item {
    (
        source_code.to_string(),
        sku.to_string(),
        status,
        quantity.to_string(),
    )
}

/// A database with sources s1 and s2 linked to a stock 2 (priorities 1 and 2), and s3 on
/// no stock.
fn shop(name: &str) -> Client {
    let mut c = fresh_db(name);
    run(
        &mut c,
        "INSERT INTO inventory.source (source_code, name, country_code, postcode)
         VALUES ('s1', 'S1', 'US', '10001'), ('s2', 'S2', 'US', '60601'),
                ('s3', 'S3', 'US', '90001');
         INSERT INTO inventory.stock (stock_id, name) OVERRIDING SYSTEM VALUE
         VALUES (2, 'Second');
         INSERT INTO inventory.stock_source_link (stock_id, source_code, priority)
         VALUES (2, 's1', 1), (2, 's2', 2);",
    );
    c
}

/// The one `integer` a bulk function returns.
fn touched(c: &mut Client, sql: &str, params: &[&(dyn ToSql + Sync)]) -> i32 {
    c.query_one(sql, params)
        .unwrap_or_else(|e| panic!("`{sql}` failed: {}", describe(&e)))
        .get(0)
}

/// Every source item, ordered by source and SKU.
fn items(c: &mut Client) -> Vec<Item> {
    let sql = "SELECT source_code, sku, status, trim_scale(quantity)::text
                 FROM inventory.source_item
                ORDER BY source_code COLLATE \"C\", sku COLLATE \"C\"";
    c.query(sql, &[])
        .unwrap_or_else(|e| panic!("`{sql}` failed: {}", describe(&e)))
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
        .collect()
}

/// The notify quantity of one source item (NULL: none of its own).
fn notify_qty(c: &mut Client, source_code: &str, sku: &str) -> Option<String> {
    c.query_one(
        "SELECT trim_scale(notify_stock_qty)::text FROM inventory.source_item
          WHERE source_code = $1 AND sku = $2",
        &[&source_code, &sku],
    )
    .unwrap_or_else(|e| {
        panic!(
            "notify quantity of {sku} at {source_code}: {}",
            describe(&e)
        )
    })
    .get(0)
}

/// (created, updated, deleted) of `import_source_items`.
fn import(c: &mut Client, csv: &str, behavior: &str) -> (i32, i32, i32) {
    let row = c
        .query_one(
            "SELECT created, updated, deleted FROM inventory.import_source_items($1, $2)",
            &[&csv, &behavior],
        )
        .unwrap_or_else(|e| {
            panic!(
                "import_source_items(.., {behavior}) failed: {}",
                describe(&e)
            )
        });
    (row.get(0), row.get(1), row.get(2))
}

/// COPYs `csv` into `inventory.source_item_import`; the server's answer.
fn copy_import(c: &mut Client, csv: &str) -> Result<u64, Error> {
    let mut writer = c.copy_in(COPY_IMPORT)?;
    // A server that ends the COPY early says why when the writer finishes.
    let _ = writer.write_all(csv.as_bytes());
    writer.finish()
}

/// The export view as CSV text.
fn export(c: &mut Client) -> String {
    let mut reader = c
        .copy_out(COPY_EXPORT)
        .unwrap_or_else(|e| panic!("`{COPY_EXPORT}` failed: {}", describe(&e)));
    let mut csv = String::new();
    reader
        .read_to_string(&mut csv)
        .expect("read the exported CSV");
    csv
}

fn read_shared(rel: &str) -> String {
    let path = shared_data(rel);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Whether the error's message or detail lists problem line `line` ("line 6002: ...").
fn lists_line(error: &DbError, line: usize) -> bool {
    let wanted = format!("line {line}:");
    error.message().contains(&wanted) || error.detail().is_some_and(|d| d.contains(&wanted))
}

/// A stock_sources file of 10,000 good rows at s1 (SKUs G-00000 to G-09999, quantity
/// `i % 100`) with `bad` put in after the first 6,000 of them: on line 6002, the header
/// being line 1.
fn ten_thousand_lines_and(bad: &str) -> String {
    let mut csv = String::from("source_code,sku,status,quantity\n");
    for i in 0..10_000 {
        if i == 6_000 {
            csv.push_str(bad);
            csv.push('\n');
        }
        let _ = writeln!(csv, "s1,G-{i:05},1,{}", i % 100);
    }
    csv
}

const BAD_LINE: usize = 6_002;

/// One bad line of each kind; G-00100 is already on line 102.
const BAD_LINES: [(&str, &str); 10] = [
    ("unknown source", "nowhere,G-BAD,1,5"),
    ("non-numeric quantity", "s1,G-BAD,1,five"),
    ("NaN quantity", "s1,G-BAD,1,NaN"),
    ("quantity out of range", "s1,G-BAD,1,1e9"),
    ("quantity too precise", "s1,G-BAD,1,1.00001"),
    ("status 2", "s1,G-BAD,2,5"),
    ("empty SKU", "s1,,1,5"),
    ("space-padded SKU", "s1, G-BAD,1,5"),
    ("duplicated pair", "s1,G-00100,1,5"),
    ("pair duplicated in another case", "s1,g-00100,1,5"),
];

/// Items that a rejected file must leave as they are; G-00001 is also in the file.
fn items_before_a_rejected_file(c: &mut Client) -> Vec<Item> {
    run(
        c,
        "INSERT INTO inventory.source_item (source_code, sku, quantity, status)
         VALUES ('s1', 'G-00001', 7, 0), ('s2', 'KEEP-1', 3, 1)",
    );
    items(c)
}

#[test]
fn import_stock_sources_eu_us_in_each_behavior() {
    let mut c = fresh_db("bulk_import_eu_us");
    run(
        &mut c,
        "INSERT INTO inventory.source (source_code, name, country_code, postcode)
         VALUES ('eu-1', 'Berlin', 'DE', '10115'), ('eu-2', 'Paris', 'FR', '75001'),
                ('us-1', 'New York', 'US', '10001');
         INSERT INTO inventory.stock (stock_id, name) OVERRIDING SYSTEM VALUE
         VALUES (2, 'EU and US');
         INSERT INTO inventory.stock_source_link (stock_id, source_code, priority)
         VALUES (2, 'eu-1', 1), (2, 'eu-2', 2), (2, 'us-1', 3);",
    );
    let csv = read_shared("msi-import/stock_sources_eu_us.csv");
    let file_items = vec![
        item("eu-1", "SKU-1", 1, "6.88"),
        item("eu-1", "SKU-2", 1, "33"),
        item("eu-2", "SKU-1", 1, "5"),
        item("us-1", "SKU-2", 1, "15"),
    ];

    assert_eq!(import(&mut c, &csv, "append"), (4, 0, 0));
    assert_eq!(items(&mut c), file_items);
    let salable: String = c
        .query_one(
            "SELECT inventory.get_product_salable_qty('SKU-1', 2)::text",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(salable.parse::<f64>().unwrap(), 11.88);
    assert_kept_figures_match(&mut c);

    // The same file again: every pair exists, so every one is updated.
    assert_eq!(import(&mut c, &csv, "append"), (0, 4, 0));
    assert_eq!(items(&mut c), file_items);
    assert_kept_figures_match(&mut c);

    assert_eq!(import(&mut c, &csv, "delete"), (0, 0, 4));
    assert_eq!(items(&mut c), vec![]);
    assert_eq!(import(&mut c, &csv, "delete"), (0, 0, 0));
    assert_kept_figures_match(&mut c);

    // Replace deletes the one listed pair that exists, creates all four, and leaves the
    // pair the file does not name.
    run(
        &mut c,
        "INSERT INTO inventory.source_item (source_code, sku, quantity, status)
         VALUES ('eu-1', 'SKU-1', 1, 0), ('eu-2', 'SKU-9', 2, 1)",
    );
    assert_eq!(import(&mut c, &csv, "replace"), (4, 0, 1));
    let mut with_other = file_items.clone();
    with_other.insert(3, item("eu-2", "SKU-9", 1, "2"));
    assert_eq!(items(&mut c), with_other);
    assert_eq!(import(&mut c, &csv, "replace"), (4, 0, 4));
    assert_eq!(items(&mut c), with_other);
    assert_kept_figures_match(&mut c);
}

#[test]
fn import_stock_sources_sample_in_each_behavior() {
    let mut c = fresh_db("bulk_import_sample");
    run(
        &mut c,
        "INSERT INTO inventory.source (source_code, name, country_code, postcode)
         VALUES ('source-1', 'Source 1', 'US', '10001'), ('source-2', 'Source 2', 'US', '60601');
         INSERT INTO inventory.stock (stock_id, name) OVERRIDING SYSTEM VALUE
         VALUES (2, 'Second');
         INSERT INTO inventory.stock_source_link (stock_id, source_code, priority)
         VALUES (2, 'source-1', 1), (2, 'source-2', 2);
         INSERT INTO inventory.source_item (source_code, sku, quantity, status)
         VALUES ('default', 'sku1', 0, 0), ('source-2', 'sku4', 15, 1);",
    );
    let csv = read_shared("msi-import/stock_sources_sample.csv");
    let file_items = vec![
        item("default", "sku1", 1, "10.1"),
        item("default", "sku2", 1, "10.55"),
        item("source-1", "sku3", 1, "10"),
        item("source-2", "sku4", 1, "15"),
    ];

    assert_eq!(import(&mut c, &csv, "append"), (2, 2, 0));
    assert_eq!(items(&mut c), file_items);
    assert_kept_figures_match(&mut c);

    assert_eq!(import(&mut c, &csv, "append"), (0, 4, 0));
    assert_eq!(import(&mut c, &csv, "replace"), (4, 0, 4));
    assert_eq!(items(&mut c), file_items);
    assert_kept_figures_match(&mut c);

    assert_eq!(import(&mut c, &csv, "delete"), (0, 0, 4));
    assert_eq!(items(&mut c), vec![]);
    assert_eq!(import(&mut c, &csv, "delete"), (0, 0, 0));
    assert_kept_figures_match(&mut c);

    // Without a status column every row is in stock.
    run(
        &mut c,
        "INSERT INTO inventory.source_item (source_code, sku, quantity, status)
         VALUES ('default', 'sku1', 1, 0)",
    );
    let no_status = "source_code,sku,quantity\ndefault,sku1,3\nsource-1,sku9,4\n";
    assert_eq!(import(&mut c, no_status, "append"), (1, 1, 0));
    assert_eq!(
        items(&mut c),
        vec![
            item("default", "sku1", 1, "3"),
            item("source-1", "sku9", 1, "4")
        ]
    );
    assert_kept_figures_match(&mut c);
}

#[test]
fn import_rejects_a_file_with_one_bad_line_among_ten_thousand() {
    let mut c = shop("bulk_import_bad_line");
    let before = items_before_a_rejected_file(&mut c);

    for (kind, bad) in BAD_LINES {
        let csv = ten_thousand_lines_and(bad);
        let error = expect_error_params(
            &mut c,
            "SELECT * FROM inventory.import_source_items($1, 'append')",
            &[&csv],
            "22P04",
        );
        assert!(
            lists_line(&error, BAD_LINE),
            "{kind}: the error should list line {BAD_LINE}: {} / {:?}",
            error.message(),
            error.detail()
        );
        assert_eq!(items(&mut c), before, "{kind}: nothing may be written");
    }

    // The good lines alone import.
    let good = ten_thousand_lines_and("s1,G-EXTRA,0,1");
    assert_eq!(import(&mut c, &good, "append"), (10_000, 1, 0));
    assert_kept_figures_match(&mut c);
}

#[test]
fn copy_rejects_a_file_with_one_bad_line_among_ten_thousand() {
    let mut c = shop("bulk_copy_bad_line");
    let before = items_before_a_rejected_file(&mut c);

    for (kind, bad) in BAD_LINES {
        let csv = ten_thousand_lines_and(bad);
        let error = match copy_import(&mut c, &csv) {
            Ok(rows) => panic!("{kind}: the COPY succeeded with {rows} rows"),
            Err(e) => e,
        };
        let db = error
            .as_db_error()
            .unwrap_or_else(|| panic!("{kind}: a client error: {error}"));
        if kind == "non-numeric quantity" {
            // COPY itself rejects text in a numeric column, naming the line in CONTEXT.
            assert_eq!(db.code().code(), "22P02", "{kind}: {}", describe(&error));
            let context = db.where_().unwrap_or_default();
            assert!(
                context.contains(&format!("line {BAD_LINE},")),
                "{kind}: {context}"
            );
        } else {
            assert_eq!(db.code().code(), "22P04", "{kind}: {}", describe(&error));
            assert!(
                lists_line(db, BAD_LINE),
                "{kind}: the error should list line {BAD_LINE}: {}",
                describe(&error)
            );
        }
        assert_eq!(items(&mut c), before, "{kind}: nothing may be written");
        assert_eq!(
            count(&mut c, "SELECT count(*) FROM inventory.source_item_import"),
            0
        );
    }
    assert_kept_figures_match(&mut c);
}

#[test]
fn export_then_import_restores_the_exported_state() {
    let mut c = shop("bulk_export_round_trip");
    run(
        &mut c,
        r#"INSERT INTO inventory.source_item (source_code, sku, quantity, status)
           VALUES ('s1', 'R-1', 6.8800, 1), ('s1', 'R-2', 0, 0), ('s2', 'R-1', -4, 1),
                  ('s2', 'R-3 "Joust", black', 12.5, 1), ('s3', 'R-4', 99999999.9999, 0)"#,
    );
    let exported = export(&mut c);
    assert_eq!(
        exported,
        "source_code,sku,status,quantity\n\
         s1,R-1,1,6.8800\n\
         s1,R-2,0,0\n\
         s2,R-1,1,-4\n\
         s2,\"R-3 \"\"Joust\"\", black\",1,12.5\n\
         s3,R-4,0,99999999.9999\n"
    );
    let state = items(&mut c);

    let change = "UPDATE inventory.source_item SET quantity = 1, status = 1 WHERE sku = 'R-2';
                  UPDATE inventory.source_item SET status = 0 WHERE source_code = 's2';
                  DELETE FROM inventory.source_item WHERE sku = 'R-1' AND source_code = 's1';";

    run(&mut c, change);
    assert_ne!(items(&mut c), state);
    assert_eq!(import(&mut c, &exported, "append"), (1, 4, 0));
    assert_eq!(items(&mut c), state);
    assert_kept_figures_match(&mut c);

    run(&mut c, change);
    assert_eq!(
        copy_import(&mut c, &exported).expect("COPY the export back"),
        5
    );
    assert_eq!(items(&mut c), state);
    assert_eq!(export(&mut c), exported);
    assert_kept_figures_match(&mut c);
}

#[test]
fn copy_of_a_hundred_thousand_rows_lands_in_source_item() {
    let mut c = shop("bulk_copy_hundred_thousand");

    // 50,000 SKUs at s1 and s2 each, quantity i % 50, every tenth out of stock.
    let mut csv = String::from("source_code,sku,status,quantity\n");
    for i in 0..100_000 {
        let source = if i % 2 == 0 { "s1" } else { "s2" };
        let status = if i % 10 == 9 { 0 } else { 1 };
        let _ = writeln!(csv, "{source},C-{:05},{status},{}", i / 2, i % 50);
    }
    assert_eq!(
        copy_import(&mut c, &csv).expect("COPY 100,000 rows"),
        100_000
    );

    assert_eq!(
        count(&mut c, "SELECT count(*) FROM inventory.source_item"),
        100_000
    );
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM inventory.source_item_import"),
        0
    );
    // Each 50 rows hold 0 + 1 + ... + 49 = 1225: 2,000 blocks of 50.
    assert_eq!(
        count(
            &mut c,
            "SELECT sum(quantity)::bigint FROM inventory.source_item"
        ),
        2_450_000
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM inventory.source_item WHERE status = 0"
        ),
        10_000
    );
    // Row 19 is C-00009 at s2, quantity 19, out of stock.
    let spot = items(&mut c)
        .into_iter()
        .filter(|i| (i.1 == "C-00000" && i.0 == "s1") || i.1 == "C-00009")
        .collect::<Vec<_>>();
    assert_eq!(
        spot,
        vec![
            item("s1", "C-00000", 1, "0"),
            item("s1", "C-00009", 1, "18"),
            item("s2", "C-00009", 0, "19"),
        ]
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM inventory.stock_index WHERE stock_id = 2"
        ),
        50_000
    );
    assert_kept_figures_match(&mut c);

    // A bad row on line 51 of a file of 100 writes nothing, not even the 49 before it.
    let before = items(&mut c);
    let mut bad = String::from("source_code,sku,status,quantity\n");
    for i in 0..100 {
        let quantity = if i == 49 {
            "NaN".to_string()
        } else {
            i.to_string()
        };
        let _ = writeln!(bad, "s1,C-{i:05},1,{quantity}");
    }
    let error = copy_import(&mut c, &bad).expect_err("a COPY with a NaN row");
    let db = error.as_db_error().expect("a server error");
    assert_eq!(db.code().code(), "22P04", "{}", describe(&error));
    assert!(lists_line(db, 51), "{}", describe(&error));
    assert_eq!(items(&mut c), before);
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM inventory.source_item_import"),
        0
    );
    assert_kept_figures_match(&mut c);
}

#[test]
fn copy_without_a_status_column_puts_every_row_in_stock() {
    let mut c = shop("bulk_copy_without_status");
    run(
        &mut c,
        "INSERT INTO inventory.source_item (source_code, sku, quantity, status)
         VALUES ('s1', 'S-1', 1, 0)",
    );

    let mut writer = c
        .copy_in(
            "COPY inventory.source_item_import (source_code, sku, quantity)
             FROM STDIN WITH (FORMAT csv, HEADER)",
        )
        .expect("start the COPY");
    writer
        .write_all(b"source_code,sku,quantity\ns1,S-1,3\ns2,S-2,4.5\n")
        .expect("send the rows");
    assert_eq!(writer.finish().expect("COPY without status"), 2);

    assert_eq!(
        items(&mut c),
        vec![item("s1", "S-1", 1, "3"), item("s2", "S-2", 1, "4.5")]
    );
    assert_kept_figures_match(&mut c);
}

#[test]
fn assign_creates_out_of_stock_items_for_missing_pairs_only() {
    let mut c = shop("bulk_assign");
    run(
        &mut c,
        "INSERT INTO inventory.product (sku, type_id) VALUES ('CONF-1', 'configurable'),
                                                             ('BUN-1', 'bundle');
         INSERT INTO inventory.source_item (source_code, sku, quantity, status)
         VALUES ('s1', 'A-1', 5, 1);",
    );

    // A-1 at s1 exists; A-2 has no product row; the composites get nothing.
    let created = touched(
        &mut c,
        "SELECT inventory.bulk_assign_sources(ARRAY['A-1', 'A-2', 'CONF-1', 'BUN-1'],
                                              ARRAY['s1', 's2'])",
        &[],
    );
    assert_eq!(created, 3);
    assert_eq!(
        items(&mut c),
        vec![
            item("s1", "A-1", 1, "5"),
            item("s1", "A-2", 0, "0"),
            item("s2", "A-1", 0, "0"),
            item("s2", "A-2", 0, "0"),
        ]
    );
    assert_kept_figures_match(&mut c);

    // Again: nothing is missing. One SKU in two spellings is one SKU.
    let again = "SELECT inventory.bulk_assign_sources(ARRAY['A-1', 'A-2'], ARRAY['s1', 's2'])";
    assert_eq!(touched(&mut c, again, &[]), 0);
    let spellings = "SELECT inventory.bulk_assign_sources(ARRAY['A-3', 'a-3'], ARRAY['s1'])";
    assert_eq!(touched(&mut c, spellings, &[]), 1);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM inventory.source_item WHERE sku = 'a-3'"
        ),
        1
    );

    let before = items(&mut c);
    let error = expect_error(
        &mut c,
        "SELECT inventory.bulk_assign_sources(ARRAY['A-9'], ARRAY['s1', 'nowhere'])",
        "42704",
    );
    assert!(error.message().contains("nowhere"), "{}", error.message());
    assert_eq!(items(&mut c), before);
    assert_kept_figures_match(&mut c);
}

#[test]
fn unassign_keeps_open_reservations_and_a_later_shipment_fails() {
    let mut c = shop("bulk_unassign_open_order");
    run(
        &mut c,
        "INSERT INTO inventory.source_item (source_code, sku, quantity, status)
         VALUES ('s1', 'U-1', 10, 1), ('s2', 'U-1', 4, 1);
         SELECT * FROM inventory.place_order('o-1', 2, '[{\"sku\": \"U-1\", \"qty\": 3}]');",
    );

    let removed = touched(
        &mut c,
        "SELECT inventory.bulk_unassign_sources(ARRAY['U-1'], ARRAY['s1'])",
        &[],
    );
    assert_eq!(removed, 1);
    assert_eq!(items(&mut c), vec![item("s2", "U-1", 1, "4")]);
    assert_eq!(
        count(
            &mut c,
            "SELECT sum(quantity)::bigint FROM inventory.reservation WHERE sku = 'U-1'"
        ),
        -3
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM inventory.reservation_inconsistencies()"
        ),
        0
    );
    // 4 at s2 less the 3 held.
    let salable: String = c
        .query_one(
            "SELECT inventory.get_product_salable_qty('U-1', 2)::text",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(salable, "1");
    assert_kept_figures_match(&mut c);

    let error = expect_error(
        &mut c,
        "SELECT inventory.ship_order('o-1', 'sh-1', 's1')",
        "IN002",
    );
    assert!(
        error.message().contains("s1") && error.message().contains("U-1"),
        "{}",
        error.message()
    );
    assert_eq!(count(&mut c, "SELECT count(*) FROM inventory.shipment"), 0);
    assert_kept_figures_match(&mut c);
}

#[test]
fn transfer_moves_whole_quantities_with_the_origin_status() {
    let mut c = shop("bulk_transfer");
    run(
        &mut c,
        "INSERT INTO inventory.source_item (source_code, sku, quantity, status)
         VALUES ('s1', 'T-1', 100, 0),
                ('s1', 'T-2', 7, 1), ('s2', 'T-2', 5, 0),
                ('s1', 'T-3', 4, 1)",
    );

    // Out of stock with 100 at the origin: out of stock with 100 at the destination.
    let sql = "SELECT inventory.bulk_transfer($1, 's1', 's2')";
    assert_eq!(touched(&mut c, sql, &[&vec!["T-1"]]), 1);
    assert_eq!(
        items(&mut c),
        vec![
            item("s1", "T-1", 0, "0"),
            item("s1", "T-2", 1, "7"),
            item("s1", "T-3", 1, "4"),
            item("s2", "T-1", 0, "100"),
            item("s2", "T-2", 0, "5"),
        ]
    );
    assert_kept_figures_match(&mut c);

    // 7 in stock onto 5 out of stock: 12, in stock.
    assert_eq!(touched(&mut c, sql, &[&vec!["T-2"]]), 1);
    let with_unassign = "SELECT inventory.bulk_transfer($1, 's1', 's2', true)";
    assert_eq!(touched(&mut c, with_unassign, &[&vec!["T-3"]]), 1);
    assert_eq!(
        items(&mut c),
        vec![
            item("s1", "T-1", 0, "0"),
            item("s1", "T-2", 0, "0"),
            item("s2", "T-1", 0, "100"),
            item("s2", "T-2", 1, "12"),
            item("s2", "T-3", 1, "4"),
        ]
    );
    let salable: String = c
        .query_one(
            "SELECT inventory.get_product_salable_qty('T-2', 2)::text",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(salable, "12");
    assert_kept_figures_match(&mut c);

    // SKUs with no item at the origin: nothing to move, no error.
    let before = items(&mut c);
    assert_eq!(touched(&mut c, sql, &[&vec!["NONE-1", "T-3"]]), 0);
    assert_eq!(items(&mut c), before);

    expect_error(
        &mut c,
        "SELECT inventory.bulk_transfer(ARRAY['T-2'], 's2', 's2')",
        "22023",
    );
    assert_eq!(items(&mut c), before);
    assert_kept_figures_match(&mut c);
}

#[test]
fn transfer_copies_the_origin_notify_quantity_to_a_destination_without_one() {
    let mut c = shop("bulk_transfer_notify");
    run(
        &mut c,
        "INSERT INTO inventory.source_item (source_code, sku, quantity, status, notify_stock_qty)
         VALUES ('s1', 'N-1', 9, 1, 3), ('s2', 'N-1', 1, 1, NULL),
                ('s1', 'N-2', 9, 1, 3), ('s2', 'N-2', 1, 1, 8),
                ('s1', 'N-3', 9, 1, 3)",
    );

    let moved = touched(
        &mut c,
        "SELECT inventory.bulk_transfer(ARRAY['N-1', 'N-2', 'N-3'], 's1', 's2')",
        &[],
    );
    assert_eq!(moved, 3);
    assert_eq!(notify_qty(&mut c, "s2", "N-1").as_deref(), Some("3"));
    assert_eq!(notify_qty(&mut c, "s2", "N-2").as_deref(), Some("8"));
    assert_eq!(notify_qty(&mut c, "s2", "N-3").as_deref(), Some("3"));
    assert_kept_figures_match(&mut c);
}

#[test]
fn partial_transfer_moves_the_given_quantity() {
    let mut c = shop("bulk_partial_transfer");
    run(
        &mut c,
        "INSERT INTO inventory.source_item (source_code, sku, quantity, status)
         VALUES ('s1', 'P-1', 10, 1), ('s2', 'P-1', 0, 0),
                ('s1', 'P-2', 3, 1), ('s2', 'P-3', 3, 1)",
    );

    let moved = touched(
        &mut c,
        "SELECT inventory.partial_transfer('s1', 's2', '[{\"sku\": \"P-1\", \"qty\": 4}]')",
        &[],
    );
    assert_eq!(moved, 1);
    let after_move = vec![
        item("s1", "P-1", 1, "6"),
        item("s1", "P-2", 1, "3"),
        item("s2", "P-1", 1, "4"),
        item("s2", "P-3", 1, "3"),
    ];
    assert_eq!(items(&mut c), after_move);
    assert_kept_figures_match(&mut c);

    // s1 holds 6: 7 is refused and nothing moves.
    let error = expect_error(
        &mut c,
        "SELECT inventory.partial_transfer('s1', 's2', '[{\"sku\": \"P-1\", \"qty\": 7}]')",
        "IN002",
    );
    assert!(error.message().contains("P-1"), "{}", error.message());
    assert_eq!(items(&mut c), after_move);

    // P-2 is not at s2, P-3 is not at s1.
    expect_error(
        &mut c,
        "SELECT inventory.partial_transfer('s1', 's2', '[{\"sku\": \"P-2\", \"qty\": 1}]')",
        "42704",
    );
    expect_error(
        &mut c,
        "SELECT inventory.partial_transfer('s1', 's2', '[{\"sku\": \"P-3\", \"qty\": 1}]')",
        "42704",
    );
    assert_eq!(items(&mut c), after_move);
    assert_kept_figures_match(&mut c);
}

#[test]
fn bulk_operations_on_a_hundred_thousand_skus() {
    let mut c = shop("bulk_hundred_thousand_skus");
    let skus: Vec<String> = (0..100_000).map(|i| format!("M-{i:06}")).collect();

    let assigned = touched(
        &mut c,
        "SELECT inventory.bulk_assign_sources($1, ARRAY['s1', 's2'])",
        &[&skus],
    );
    assert_eq!(assigned, 200_000);
    assert_kept_figures_match(&mut c);

    run(
        &mut c,
        "UPDATE inventory.source_item SET quantity = 5, status = 1 WHERE source_code = 's1'",
    );
    let moved = touched(
        &mut c,
        "SELECT inventory.bulk_transfer($1, 's1', 's2')",
        &[&skus],
    );
    assert_eq!(moved, 100_000);
    assert_eq!(
        count(
            &mut c,
            "SELECT sum(quantity)::bigint FROM inventory.source_item WHERE source_code = 's2'"
        ),
        500_000
    );
    assert_kept_figures_match(&mut c);

    let mut back = String::from("[");
    for (i, sku) in skus.iter().enumerate() {
        if i > 0 {
            back.push(',');
        }
        let _ = write!(back, "{{\"sku\": \"{sku}\", \"qty\": 2}}");
    }
    back.push(']');
    let moved_back = touched(
        &mut c,
        "SELECT inventory.partial_transfer('s2', 's1', $1::text::jsonb)",
        &[&back],
    );
    assert_eq!(moved_back, 100_000);
    assert_eq!(
        count(
            &mut c,
            "SELECT sum(quantity)::bigint FROM inventory.source_item WHERE source_code = 's1'"
        ),
        200_000
    );
    assert_kept_figures_match(&mut c);

    let removed = touched(
        &mut c,
        "SELECT inventory.bulk_unassign_sources($1, ARRAY['s1'])",
        &[&skus],
    );
    assert_eq!(removed, 100_000);
    assert_eq!(
        count(&mut c, "SELECT count(*) FROM inventory.source_item"),
        100_000
    );
    assert_kept_figures_match(&mut c);
}

/// A session whose first transfer moved one SKU out of a stock must still move 50,000 in
/// one set-based pass: what the session did before must not change how its statement-level
/// triggers join their transition tables.
#[test]
fn a_transfer_of_fifty_thousand_skus_after_a_one_sku_transfer_completes() {
    let db = "bulk_transfer_after_one_sku";
    let mut setup = shop(db);
    let skus: Vec<String> = (0..50_000).map(|i| format!("W-{i:06}")).collect();
    let assigned = touched(
        &mut setup,
        "SELECT inventory.bulk_assign_sources($1, ARRAY['s1'])",
        &[&skus],
    );
    assert_eq!(assigned, 50_000);
    // Statistics taken now say every item is out of stock and nothing is held: the
    // statement that puts all of them in stock must still be planned for 50,000 SKUs.
    run(
        &mut setup,
        "ANALYZE inventory.source_item; ANALYZE inventory.sku_holding; \
         SET statement_timeout = '3min'",
    );
    run(
        &mut setup,
        "UPDATE inventory.source_item SET quantity = 5, status = 1",
    );
    drop(setup);

    // A new session. The bound only turns a statement that would run for an hour into a
    // failure; the transfer itself takes seconds.
    let mut c = connect(db);
    run(&mut c, "SET statement_timeout = '3min'");

    // s3 is on no stock: each transfer takes the SKUs out of stock 2.
    let sql = "SELECT inventory.bulk_transfer($1, 's1', 's3')";
    assert_eq!(touched(&mut c, sql, &[&vec!["W-000000"]]), 1);
    assert_eq!(touched(&mut c, sql, &[&skus]), 50_000);
    assert_eq!(
        count(
            &mut c,
            "SELECT sum(quantity)::bigint FROM inventory.source_item WHERE source_code = 's3'"
        ),
        250_000
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM inventory.stock_index WHERE stock_id = 2 AND is_salable"
        ),
        0
    );
    assert_kept_figures_match(&mut c);
}

#[test]
fn low_stock_lists_in_stock_items_below_their_notify_quantity() {
    let mut c = shop("bulk_low_stock");
    run(
        &mut c,
        "UPDATE inventory.defaults SET notify_stock_qty = 20;
         UPDATE inventory.source SET enabled = false WHERE source_code = 's2';
         INSERT INTO inventory.product (sku, name, notify_stock_qty)
         VALUES ('L-PRODUCT-5', 'Product says 5', 5), ('L-ITEM-12', 'Item says 12', 5),
                ('L-ITEM-8', 'Item says 8', 50);
         INSERT INTO inventory.source_item (source_code, sku, quantity, status, notify_stock_qty)
         VALUES ('s1', 'L-10', 10, 1, NULL),
                ('s1', 'L-20', 20, 1, NULL),
                ('s1', 'L-ZERO', 0, 1, NULL),
                ('s1', 'L-NEGATIVE', -3, 1, NULL),
                ('s1', 'L-OUT', 5, 0, NULL),
                ('s2', 'L-DISABLED', 5, 1, NULL),
                ('s1', 'L-PRODUCT-5', 10, 1, NULL),
                ('s1', 'L-ITEM-12', 10, 1, 12),
                ('s1', 'L-ITEM-8', 10, 1, 8);",
    );

    let rows: Vec<(String, String, Option<String>, String, String)> = c
        .query(
            "SELECT source_code, sku, name, trim_scale(quantity)::text,
                    trim_scale(notify_stock_qty)::text
               FROM inventory.low_stock ORDER BY sku COLLATE \"C\"",
            &[],
        )
        .expect("low_stock")
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                "s1".to_string(),
                "L-10".to_string(),
                None,
                "10".to_string(),
                "20".to_string()
            ),
            (
                "s1".to_string(),
                "L-ITEM-12".to_string(),
                Some("Item says 12".to_string()),
                "10".to_string(),
                "12".to_string()
            ),
        ]
    );
    assert_kept_figures_match(&mut c);
}
