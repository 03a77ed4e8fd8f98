//! Source selection (behaviour.md section 4): which sources a shipment takes each SKU from,
//! by priority and by distance, the GeoNames postal codes that place a destination, and
//! shipping an order by the recommendation. Every scenario that writes ends by proving the
//! kept figures equal a full recomputation.

use std::fs;

use inventory_tests::postgres::types::ToSql;
use inventory_tests::postgres::Client;
use inventory_tests::{
    assert_kept_figures_match, count, describe, expect_error, expect_error_params, fresh_db, run,
    shared_data,
};

/// The one text value of a query that must return one row (cast it to text in the SQL).
fn text(c: &mut Client, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Option<String> {
    c.query_one(sql, params)
        .unwrap_or_else(|e| panic!("`{sql}` failed: {}", describe(&e)))
        .get(0)
}

/// A database with sources s1, s2, s3 linked to a stock 2 with priorities 1, 2, 3, and
/// nothing held yet.
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
         VALUES (2, 's1', 1), (2, 's2', 2), (2, 's3', 3);",
    );
    c
}

/// One row of `select_sources`: SKU, source (None on the uncovered remainder), quantity
/// to deduct.
type Pick = (String, Option<String>, String);

fn pick(sku: &str, source: &str, qty_to_deduct: &str) -> Pick {
    (sku.into(), Some(source.into()), qty_to_deduct.into())
}

/// The row of what no source covers.
fn short(sku: &str, qty_to_deduct: &str) -> Pick {
    (sku.into(), None, qty_to_deduct.into())
}

/// The rows of `select_sources(stock, items, algorithm, destination)` in the order the
/// function returns them.
fn select(
    c: &mut Client,
    stock: i32,
    items: &str,
    algorithm: &str,
    destination: Option<&str>,
) -> Vec<Pick> {
    let sql = "SELECT s.sku, s.source_code, s.qty_to_deduct::text
                 FROM inventory.select_sources($1, $2::text::jsonb, $3, $4::text::jsonb)
                      WITH ORDINALITY AS s
                ORDER BY s.ordinality";
    c.query(sql, &[&stock, &items, &algorithm, &destination])
        .unwrap_or_else(|e| {
            panic!(
                "select_sources({stock}, {items}, {algorithm}, {destination:?}) failed: {}",
                describe(&e)
            )
        })
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect()
}

fn by_priority(c: &mut Client, stock: i32, items: &str) -> Vec<Pick> {
    select(c, stock, items, "priority", None)
}

/// The source codes of the rows, in order, for orderings where only the order matters.
fn sources(picks: &[Pick]) -> Vec<String> {
    picks
        .iter()
        .map(|(_, source, _)| source.clone().unwrap_or_else(|| "-".into()))
        .collect()
}

fn place(c: &mut Client, order_id: &str, stock: i32, items: &str) {
    let sql = "SELECT count(*) FROM inventory.place_order($1, $2, $3::text::jsonb)";
    c.query_one(sql, &[&order_id, &stock, &items])
        .unwrap_or_else(|e| panic!("placing {order_id} with {items} failed: {}", describe(&e)));
}

/// The quantity (as text) and status of a source item.
fn source_item(c: &mut Client, source: &str, sku: &str) -> (String, i16) {
    let row = c
        .query_one(
            "SELECT quantity::text, status FROM inventory.source_item
              WHERE source_code = $1 AND sku = $2",
            &[&source, &sku],
        )
        .unwrap_or_else(|e| panic!("source item {source}/{sku}: {}", describe(&e)));
    (row.get(0), row.get(1))
}

/// A fingerprint of every table of the extension: name, row count and a hash of its rows.
fn contents(c: &mut Client) -> Vec<(String, i64, String)> {
    let tables: Vec<String> = c
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = 'inventory' ORDER BY 1",
            &[],
        )
        .expect("list the tables")
        .iter()
        .map(|row| row.get(0))
        .collect();
    assert!(tables.len() > 10, "the extension's tables: {tables:?}");
    tables
        .into_iter()
        .map(|table| {
            let row = c
                .query_one(
                    &format!(
                        "SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '')
                           FROM inventory.\"{table}\" t"
                    ),
                    &[],
                )
                .unwrap_or_else(|e| panic!("reading {table}: {}", describe(&e)));
            (table, row.get(0), row.get(1))
        })
        .collect()
}

// --- Priority ---------------------------------------------------------------------------

#[test]
fn priority_takes_3_from_s1_and_4_from_s2_for_a_request_of_7() {
    let mut c = shop("selection_priority_7");
    run(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('s1', 'BAG', 3, 1), ('s2', 'BAG', 5, 1),
                                                  ('s3', 'BAG', 10, 1)",
    );

    assert_eq!(
        by_priority(&mut c, 2, r#"[{"sku": "BAG", "qty": 7}]"#),
        [
            pick("BAG", "s1", "3"),
            pick("BAG", "s2", "4"),
            pick("BAG", "s3", "0")
        ]
    );

    // The available quantity of each source comes back beside what to deduct.
    let available: Vec<(Option<String>, String)> = c
        .query(
            "SELECT source_code, qty_available::text
               FROM inventory.select_sources(2, '[{\"sku\": \"BAG\", \"qty\": 7}]')
              WHERE source_code IS NOT NULL
              ORDER BY source_code",
            &[],
        )
        .expect("qty_available")
        .iter()
        .map(|row| (row.get(0), row.get(1)))
        .collect();
    assert_eq!(
        available,
        [
            (Some("s1".to_string()), "3".to_string()),
            (Some("s2".to_string()), "5".to_string()),
            (Some("s3".to_string()), "10".to_string())
        ]
    );
}

#[test]
fn priority_takes_everything_and_reports_2_uncovered_for_a_request_of_20() {
    let mut c = shop("selection_priority_20");
    run(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('s1', 'BAG', 3, 1), ('s2', 'BAG', 5, 1),
                                                  ('s3', 'BAG', 10, 1)",
    );

    assert_eq!(
        by_priority(&mut c, 2, r#"[{"sku": "BAG", "qty": 20}]"#),
        [
            pick("BAG", "s1", "3"),
            pick("BAG", "s2", "5"),
            pick("BAG", "s3", "10"),
            short("BAG", "2")
        ]
    );
    let uncovered_available = text(
        &mut c,
        "SELECT qty_available::text FROM inventory.select_sources(2, '[{\"sku\": \"BAG\", \"qty\": 20}]')
          WHERE source_code IS NULL",
        &[],
    );
    assert_eq!(uncovered_available.as_deref(), Some("0"));
}

#[test]
fn disabled_sources_unlinked_sources_and_out_of_stock_items_are_never_listed() {
    let mut c = shop("selection_never_listed");
    run(
        &mut c,
        "INSERT INTO inventory.source (source_code, name, country_code, postcode)
         VALUES ('closed', 'Closed', 'US', '10001'), ('elsewhere', 'Elsewhere', 'US', '10001');
         INSERT INTO inventory.stock (stock_id, name) OVERRIDING SYSTEM VALUE VALUES (3, 'Third');
         INSERT INTO inventory.stock_source_link (stock_id, source_code, priority)
         VALUES (2, 'closed', 1), (3, 'elsewhere', 1);
         INSERT INTO inventory.source_item VALUES ('closed', 'BAG', 50, 1),
                                                  ('elsewhere', 'BAG', 50, 1),
                                                  ('s1', 'BAG', 40, 0),
                                                  ('s2', 'BAG', 4, 1);
         UPDATE inventory.source SET enabled = false WHERE source_code = 'closed';",
    );

    // 50 at a disabled source, 50 in another stock and 40 out of stock: only s2's 4 count.
    assert_eq!(
        by_priority(&mut c, 2, r#"[{"sku": "BAG", "qty": 6}]"#),
        [pick("BAG", "s2", "4"), short("BAG", "2")]
    );
    assert_eq!(
        by_priority(&mut c, 3, r#"[{"sku": "BAG", "qty": 6}]"#),
        [pick("BAG", "elsewhere", "6")]
    );
}

#[test]
fn two_sources_holding_1_each_ship_a_request_of_2_in_full() {
    let mut c = shop("selection_one_and_one");
    run(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('s1', 'PIN', 1, 1), ('s2', 'PIN', 1, 1)",
    );

    let picks = by_priority(&mut c, 2, r#"[{"sku": "PIN", "qty": 2}]"#);
    assert_eq!(picks, [pick("PIN", "s1", "1"), pick("PIN", "s2", "1")]);
    assert!(picks.iter().all(|(_, source, _)| source.is_some()));
}

#[test]
fn items_spelled_in_another_case_or_width_are_selected_and_shipped() {
    let mut c = shop("selection_collation_spellings");
    // One SKU, held as "Y" at s1 and as the full-width "ｙ" at s2: the SKU collation deems
    // them equal, as it does for every table.
    run(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('s1', 'Y', 1, 1), ('s2', 'ｙ', 5, 1)",
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM inventory.stock_sku WHERE stock_id = 2 AND salable_qty = 6"
        ),
        1
    );

    assert_eq!(
        by_priority(&mut c, 2, r#"[{"sku": "y", "qty": 3}]"#),
        [pick("y", "s1", "1"), pick("y", "s2", "2")]
    );
    // Lines naming it in two spellings are one request, under the first line's spelling.
    assert_eq!(
        by_priority(
            &mut c,
            2,
            r#"[{"sku": "Ｙ", "qty": 1}, {"sku": "x-other", "qty": 1}, {"sku": "y", "qty": 2}]"#
        ),
        [
            pick("Ｙ", "s1", "1"),
            pick("Ｙ", "s2", "2"),
            short("x-other", "1")
        ]
    );

    place(&mut c, "fw-1", 2, r#"[{"sku": "y", "qty": 3}]"#);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM inventory.ship_order_by_selection('fw-1')"
        ),
        2
    );
    assert_eq!(
        text(
            &mut c,
            "SELECT string_agg(source_code || ':' || quantity::text, ' ' ORDER BY source_code)
               FROM inventory.source_item WHERE sku = $1",
            &[&"y"],
        )
        .as_deref(),
        Some("s1:0 s2:3")
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM inventory.order_item WHERE order_id = 'fw-1' AND qty_open > 0"
        ),
        0
    );
    assert_kept_figures_match(&mut c);
}

#[test]
fn equal_priorities_are_taken_in_source_code_order() {
    let mut c = fresh_db("selection_priority_ties");
    run(
        &mut c,
        "INSERT INTO inventory.source (source_code, name, country_code, postcode)
         VALUES ('zeta', 'Z', 'US', '10001'), ('beta', 'B', 'US', '10001'),
                ('alpha', 'A', 'US', '10001'), ('first', 'F', 'US', '10001');
         INSERT INTO inventory.stock (stock_id, name) OVERRIDING SYSTEM VALUE VALUES (2, 'Second');
         INSERT INTO inventory.stock_source_link (stock_id, source_code, priority)
         VALUES (2, 'zeta', 5), (2, 'beta', 5), (2, 'alpha', 5), (2, 'first', 1);
         INSERT INTO inventory.source_item VALUES ('zeta', 'CUP', 2, 1), ('beta', 'CUP', 2, 1),
                                                  ('alpha', 'CUP', 2, 1), ('first', 'CUP', 2, 1);",
    );

    assert_eq!(
        by_priority(&mut c, 2, r#"[{"sku": "CUP", "qty": 5}]"#),
        [
            pick("CUP", "first", "2"),
            pick("CUP", "alpha", "2"),
            pick("CUP", "beta", "1"),
            pick("CUP", "zeta", "0")
        ]
    );
}

#[test]
fn skus_are_matched_whatever_their_case() {
    let mut c = shop("selection_sku_case");
    run(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('s1', 'MH01-XS-Black', 3, 1),
                                                  ('s2', 'MH01-XS-Black', 5, 1)",
    );

    // 2 + 2 of one SKU in two spellings is one request of 4.
    let picks = by_priority(
        &mut c,
        2,
        r#"[{"sku": "mh01-xs-black", "qty": 2}, {"sku": "MH01-XS-BLACK", "qty": 2}]"#,
    );
    let lowered: Vec<Pick> = picks
        .into_iter()
        .map(|(sku, source, qty)| (sku.to_lowercase(), source, qty))
        .collect();
    assert_eq!(
        lowered,
        [
            pick("mh01-xs-black", "s1", "3"),
            pick("mh01-xs-black", "s2", "1")
        ]
    );
}

#[test]
fn several_skus_get_their_rows_in_request_order() {
    let mut c = shop("selection_several_skus");
    run(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('s1', 'MUG', 1, 1), ('s3', 'MUG', 9, 1),
                                                  ('s1', 'TEE', 2, 1), ('s2', 'TEE', 2, 1)",
    );

    assert_eq!(
        by_priority(
            &mut c,
            2,
            r#"[{"sku": "TEE", "qty": 5}, {"sku": "MUG", "qty": 4}, {"sku": "NONE", "qty": 1}]"#
        ),
        [
            pick("TEE", "s1", "2"),
            pick("TEE", "s2", "2"),
            short("TEE", "1"),
            pick("MUG", "s1", "1"),
            pick("MUG", "s3", "3"),
            short("NONE", "1")
        ]
    );
}

#[test]
fn a_sku_no_source_holds_is_one_uncovered_row_of_the_whole_quantity() {
    let mut c = shop("selection_sku_held_nowhere");
    run(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('s1', 'BAG', 3, 1)",
    );

    assert_eq!(
        by_priority(&mut c, 2, r#"[{"sku": "GHOST", "qty": 12.5}]"#),
        [short("GHOST", "12.5")]
    );
}

#[test]
fn selection_writes_nothing_and_ignores_reservations() {
    let mut c = shop("selection_read_only");
    run(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('s1', 'BAG', 3, 1), ('s2', 'BAG', 5, 1)",
    );
    place(&mut c, "order-1", 2, r#"[{"sku": "BAG", "qty": 6}]"#);
    assert_eq!(
        text(
            &mut c,
            "SELECT inventory.get_product_salable_qty('BAG', 2)::text",
            &[]
        )
        .as_deref(),
        Some("2")
    );
    let before = contents(&mut c);

    // 6 of the 8 are reserved; the selection still offers all 8 on hand.
    let mut tx = c.transaction().expect("begin");
    let picks: Vec<Pick> = tx
        .query(
            "SELECT s.sku, s.source_code, s.qty_to_deduct::text
               FROM inventory.select_sources(2, '[{\"sku\": \"BAG\", \"qty\": 8}]')
                    WITH ORDINALITY AS s ORDER BY s.ordinality",
            &[],
        )
        .expect("select_sources")
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect();
    assert_eq!(picks, [pick("BAG", "s1", "3"), pick("BAG", "s2", "5")]);
    let xid: Option<String> = tx
        .query_one("SELECT txid_current_if_assigned()::text", &[])
        .expect("txid_current_if_assigned")
        .get(0);
    assert_eq!(xid, None, "select_sources wrote something");
    tx.commit().expect("commit");

    assert_eq!(contents(&mut c), before);
    assert_kept_figures_match(&mut c);
}

// --- Algorithms -------------------------------------------------------------------------

#[test]
fn the_algorithms_are_priority_and_distance() {
    let mut c = fresh_db("selection_algorithms");
    let listed: Vec<(String, String, String)> = c
        .query(
            "SELECT code, title, description FROM inventory.source_selection_algorithms()
              ORDER BY code",
            &[],
        )
        .expect("source_selection_algorithms")
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2)))
        .collect();

    let codes: Vec<&str> = listed.iter().map(|(code, _, _)| code.as_str()).collect();
    assert_eq!(codes, ["distance", "priority"]);
    for (code, title, description) in &listed {
        assert!(!title.trim().is_empty(), "title of {code}");
        assert!(!description.trim().is_empty(), "description of {code}");
    }
}

#[test]
fn an_unknown_algorithm_is_rejected_with_the_known_ones() {
    let mut c = shop("selection_unknown_algorithm");
    run(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('s1', 'BAG', 3, 1)",
    );

    let error = expect_error(
        &mut c,
        "SELECT * FROM inventory.select_sources(2, '[{\"sku\": \"BAG\", \"qty\": 1}]', 'nearest')",
        "22023",
    );
    let message = error.message();
    for word in ["nearest", "priority", "distance"] {
        assert!(message.contains(word), "{word} missing from: {message}");
    }
}

// --- Distance ---------------------------------------------------------------------------

/// A database with the real US postal codes loaded and sources in New York (10001),
/// Chicago (60601) and Los Angeles (90001), placed by their postcodes' coordinates and
/// linked to stock 2 with priorities 1 (Los Angeles), 2 (Chicago) and 3 (New York), so
/// that distance and priority disagree.
fn three_cities(name: &str) -> Client {
    let mut c = fresh_db(name);
    load_us_postcodes(&mut c);
    run(
        &mut c,
        "INSERT INTO inventory.source (source_code, name, country_code, postcode)
         VALUES ('new-york', 'New York', 'US', '10001'), ('chicago', 'Chicago', 'US', '60601'),
                ('los-angeles', 'Los Angeles', 'US', '90001');
         UPDATE inventory.source s SET latitude = g.latitude, longitude = g.longitude
           FROM inventory.geoname g
          WHERE g.country_code = s.country_code AND g.postcode = s.postcode;
         INSERT INTO inventory.stock (stock_id, name) OVERRIDING SYSTEM VALUE
         VALUES (2, 'Second');
         INSERT INTO inventory.stock_source_link (stock_id, source_code, priority)
         VALUES (2, 'los-angeles', 1), (2, 'chicago', 2), (2, 'new-york', 3);",
    );
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM inventory.source WHERE latitude IS NOT NULL"
        ),
        3
    );
    c
}

fn load_us_postcodes(c: &mut Client) {
    let path = shared_data("geonames/US.txt");
    let tsv = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let loaded: i64 = c
        .query_one("SELECT inventory.import_geonames($1)", &[&tsv])
        .unwrap_or_else(|e| panic!("import_geonames(US.txt) failed: {}", describe(&e)))
        .get(0);
    assert_eq!(loaded, 42789);
}

/// Each city's source holds 10 bags.
const TEN_BAGS_EACH: &str = "INSERT INTO inventory.source_item
    VALUES ('new-york', 'BAG', 10, 1), ('chicago', 'BAG', 10, 1), ('los-angeles', 'BAG', 10, 1)";

fn by_distance(c: &mut Client, items: &str, destination: &str) -> Vec<Pick> {
    select(c, 2, items, "distance", Some(destination))
}

#[test]
fn distance_to_hoboken_takes_new_york_first() {
    let mut c = three_cities("selection_distance_hoboken");
    run(&mut c, TEN_BAGS_EACH);

    assert_eq!(
        by_distance(
            &mut c,
            r#"[{"sku": "BAG", "qty": 14}]"#,
            r#"{"country": "US", "postcode": "07030"}"#
        ),
        [
            pick("BAG", "new-york", "10"),
            pick("BAG", "chicago", "4"),
            pick("BAG", "los-angeles", "0")
        ]
    );
    // By priority the same request starts in Los Angeles.
    assert_eq!(
        sources(&by_priority(&mut c, 2, r#"[{"sku": "BAG", "qty": 14}]"#)),
        ["los-angeles", "chicago", "new-york"]
    );
}

#[test]
fn distance_to_san_francisco_takes_los_angeles_first() {
    let mut c = three_cities("selection_distance_san_francisco");
    run(&mut c, TEN_BAGS_EACH);

    assert_eq!(
        by_distance(
            &mut c,
            r#"[{"sku": "BAG", "qty": 4}]"#,
            r#"{"country": "US", "postcode": "94103"}"#
        ),
        [
            pick("BAG", "los-angeles", "4"),
            pick("BAG", "chicago", "0"),
            pick("BAG", "new-york", "0")
        ]
    );
}

#[test]
fn a_destination_given_by_coordinates_needs_no_postcode() {
    let mut c = three_cities("selection_distance_coordinates");
    run(&mut c, TEN_BAGS_EACH);

    // Milwaukee (43.04, -87.91) is nearest to Chicago, then New York.
    assert_eq!(
        sources(&by_distance(
            &mut c,
            r#"[{"sku": "BAG", "qty": 4}]"#,
            r#"{"latitude": 43.0389, "longitude": -87.9065}"#
        )),
        ["chicago", "new-york", "los-angeles"]
    );
    // Boston (42.36, -71.06) is nearest to New York.
    assert_eq!(
        sources(&by_distance(
            &mut c,
            r#"[{"sku": "BAG", "qty": 4}]"#,
            r#"{"latitude": 42.3601, "longitude": -71.0589}"#
        )),
        ["new-york", "chicago", "los-angeles"]
    );
}

#[test]
fn a_destination_is_placed_by_city_or_region_when_there_is_no_postcode() {
    let mut c = three_cities("selection_distance_fallbacks");
    run(&mut c, TEN_BAGS_EACH);
    let bag = r#"[{"sku": "BAG", "qty": 4}]"#;

    assert_eq!(
        sources(&by_distance(
            &mut c,
            bag,
            r#"{"country": "US", "city": "Chicago"}"#
        )),
        ["chicago", "new-york", "los-angeles"]
    );
    assert_eq!(
        sources(&by_distance(
            &mut c,
            bag,
            r#"{"country": "US", "region": "CA"}"#
        )),
        ["los-angeles", "chicago", "new-york"]
    );
    // A postcode that is not in geoname falls back to the city, then to the region.
    assert_eq!(
        sources(&by_distance(
            &mut c,
            bag,
            r#"{"country": "US", "postcode": "00000", "city": "Hoboken"}"#
        )),
        ["new-york", "chicago", "los-angeles"]
    );
    assert_eq!(
        sources(&by_distance(
            &mut c,
            bag,
            r#"{"country": "US", "postcode": "00000", "city": "Nowhere", "region": "IL"}"#
        )),
        ["chicago", "new-york", "los-angeles"]
    );
}

#[test]
fn a_city_is_looked_up_in_the_region_the_destination_names() {
    let mut c = three_cities("selection_distance_city_in_region");
    run(&mut c, TEN_BAGS_EACH);
    let bag = r#"[{"sku": "BAG", "qty": 4}]"#;

    // US.txt has 85 postcodes called Portland in 13 states, 9 of them in Maine, around
    // (43.66, -70.26): Portland, Maine is 450 km from New York. The centroid of all 85
    // lies in Idaho (44.50, -112.34), nearer Los Angeles.
    assert_eq!(
        sources(&by_distance(
            &mut c,
            bag,
            r#"{"country": "US", "city": "Portland", "region": "ME"}"#
        )),
        ["new-york", "chicago", "los-angeles"]
    );
    // Springfield, Massachusetts (about 42.1, -72.6), not the mean of 111 Springfields.
    assert_eq!(
        sources(&by_distance(
            &mut c,
            bag,
            r#"{"country": "US", "city": "Springfield", "region": "MA"}"#
        )),
        ["new-york", "chicago", "los-angeles"]
    );
    // A city not in the region named is not looked for elsewhere: the region places it.
    assert_eq!(
        sources(&by_distance(
            &mut c,
            bag,
            r#"{"country": "US", "city": "Boston", "region": "CA"}"#
        )),
        ["los-angeles", "chicago", "new-york"]
    );
    expect_error_params(
        &mut c,
        "SELECT * FROM inventory.select_sources(2, $1::text::jsonb, 'distance', $2::text::jsonb)",
        &[
            &bag,
            &r#"{"country": "US", "city": "Boston", "region": "XX"}"#,
        ],
        "22023",
    );
}

#[test]
fn a_destination_that_cannot_be_placed_is_an_error_naming_it() {
    let mut c = three_cities("selection_distance_unplaceable");
    run(&mut c, TEN_BAGS_EACH);

    let error = expect_error_params(
        &mut c,
        "SELECT * FROM inventory.select_sources(2, $1::text::jsonb, 'distance', $2::text::jsonb)",
        &[
            &r#"[{"sku": "BAG", "qty": 1}]"#,
            &r#"{"country": "US", "postcode": "00000"}"#,
        ],
        "22023",
    );
    assert!(
        error.message().contains("00000"),
        "the message should name the destination: {}",
        error.message()
    );

    // A huge destination is quoted by its beginning only.
    let huge = format!(r#"{{"country": "US", "city": "{}"}}"#, "N".repeat(100_000));
    let error = expect_error_params(
        &mut c,
        "SELECT * FROM inventory.select_sources(2, $1::text::jsonb, 'distance', $2::text::jsonb)",
        &[&r#"[{"sku": "BAG", "qty": 1}]"#, &huge],
        "22023",
    );
    assert!(
        error.message().len() < 200 && error.message().contains("NNNN..."),
        "{} characters: {}...",
        error.message().len(),
        &error.message()[..100]
    );
}

#[test]
fn distance_without_a_destination_is_an_error() {
    let mut c = three_cities("selection_distance_no_destination");
    run(&mut c, TEN_BAGS_EACH);

    for destination in [None, Some("null")] {
        let error = expect_error_params(
            &mut c,
            "SELECT * FROM inventory.select_sources(2, $1::text::jsonb, 'distance', $2::text::jsonb)",
            &[&r#"[{"sku": "BAG", "qty": 1}]"#, &destination],
            "22023",
        );
        assert!(
            error.message().contains("destination"),
            "destination {destination:?}: {}",
            error.message()
        );
    }
    let error = expect_error(
        &mut c,
        "SELECT * FROM inventory.select_sources(2, '[{\"sku\": \"BAG\", \"qty\": 1}]', 'distance')",
        "22023",
    );
    assert!(
        error.message().contains("destination"),
        "{}",
        error.message()
    );
}

#[test]
fn a_source_without_coordinates_comes_last_by_distance() {
    let mut c = three_cities("selection_distance_unplaced_source");
    run(
        &mut c,
        "INSERT INTO inventory.source (source_code, name, country_code, postcode)
         VALUES ('unplaced', 'Unplaced', 'US', '94103');
         UPDATE inventory.stock_source_link SET priority = priority + 1 WHERE stock_id = 2;
         INSERT INTO inventory.stock_source_link (stock_id, source_code, priority)
         VALUES (2, 'unplaced', 1);",
    );
    run(&mut c, TEN_BAGS_EACH);
    run(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('unplaced', 'BAG', 10, 1)",
    );

    // First by priority, but it has no coordinates: last by distance, even from its own
    // postcode, and it ships the remainder only after all three cities.
    assert_eq!(
        sources(&by_priority(&mut c, 2, r#"[{"sku": "BAG", "qty": 4}]"#)),
        ["unplaced", "los-angeles", "chicago", "new-york"]
    );
    assert_eq!(
        by_distance(
            &mut c,
            r#"[{"sku": "BAG", "qty": 35}]"#,
            r#"{"country": "US", "postcode": "94103"}"#
        ),
        [
            pick("BAG", "los-angeles", "10"),
            pick("BAG", "chicago", "10"),
            pick("BAG", "new-york", "10"),
            pick("BAG", "unplaced", "5")
        ]
    );
}

// --- GeoNames import --------------------------------------------------------------------

/// A GeoNames postal-code row: 12 tab-separated columns, the region as name and code.
fn tsv_row(
    country: &str,
    postcode: &str,
    city: &str,
    region: &str,
    lat: &str,
    lon: &str,
) -> String {
    format!("{country}\t{postcode}\t{city}\t{region}\t{region}\t\t\t\t\t{lat}\t{lon}\t4\n")
}

fn geonames(c: &mut Client) -> Vec<(String, String, String)> {
    c.query(
        "SELECT country_code, postcode, city FROM inventory.geoname ORDER BY 1, 2",
        &[],
    )
    .expect("read geoname")
    .iter()
    .map(|row| (row.get(0), row.get(1), row.get(2)))
    .collect()
}

fn postcode(country: &str, postcode: &str, city: &str) -> (String, String, String) {
    (country.into(), postcode.into(), city.into())
}

fn import(c: &mut Client, tsv: &str) -> i64 {
    c.query_one("SELECT inventory.import_geonames($1)", &[&tsv])
        .unwrap_or_else(|e| panic!("import_geonames failed: {}", describe(&e)))
        .get(0)
}

#[test]
fn importing_a_country_again_replaces_only_that_country() {
    let mut c = fresh_db("selection_geonames_replace");
    let first = [
        tsv_row("US", "10001", "New York", "NY", "40.7484", "-73.9967"),
        tsv_row("US", "60601", "Chicago", "IL", "41.8858", "-87.6181"),
        tsv_row("DE", "10115", "Berlin", "Berlin", "52.5323", "13.3846"),
        tsv_row("DE", "80331", "München", "Bayern", "48.1371", "11.5754"),
    ]
    .concat();
    assert_eq!(import(&mut c, &first), 4);

    // Germany again, with one old postcode kept, one dropped and one new.
    let again = [
        tsv_row(
            "DE",
            "10115",
            "Berlin Mitte",
            "Berlin",
            "52.5323",
            "13.3846",
        ),
        tsv_row("DE", "20095", "Hamburg", "Hamburg", "53.5511", "9.9937"),
    ]
    .concat();
    assert_eq!(import(&mut c, &again), 2);

    assert_eq!(
        geonames(&mut c),
        [
            postcode("DE", "10115", "Berlin Mitte"),
            postcode("DE", "20095", "Hamburg"),
            postcode("US", "10001", "New York"),
            postcode("US", "60601", "Chicago"),
        ]
    );
}

#[test]
fn a_malformed_geonames_file_is_rejected_with_its_line_and_changes_nothing() {
    let mut c = fresh_db("selection_geonames_malformed");
    let good = tsv_row("US", "10001", "New York", "NY", "40.7484", "-73.9967");
    assert_eq!(import(&mut c, &good), 1);

    // Line 2 lacks the accuracy column: 11 columns instead of 12.
    let bad = [
        tsv_row("US", "60601", "Chicago", "IL", "41.8858", "-87.6181"),
        "US\t90001\tLos Angeles\tCA\tCA\t\t\t\t\t33.9731\t-118.2479\n".to_string(),
        tsv_row("US", "94103", "San Francisco", "CA", "37.7725", "-122.4147"),
    ]
    .concat();
    let error = expect_error_params(
        &mut c,
        "SELECT inventory.import_geonames($1)",
        &[&bad],
        "22P04",
    );
    assert!(
        error.message().contains("line 2"),
        "the message should name line 2: {}",
        error.message()
    );
    assert!(
        !error.message().contains("line 1") && !error.message().contains("line 3"),
        "only line 2 is bad: {}",
        error.message()
    );

    assert_eq!(geonames(&mut c), [postcode("US", "10001", "New York")]);
}

// --- Shipping by selection --------------------------------------------------------------

/// The rows `ship_order_by_selection` returns: shipment, source, SKU, quantity.
type Shipped = (String, String, String, String);

fn ship_by_selection(
    c: &mut Client,
    order_id: &str,
    algorithm: &str,
    destination: Option<&str>,
) -> Vec<Shipped> {
    let sql = "SELECT shipment_id, source_code, sku, qty::text
                 FROM inventory.ship_order_by_selection($1, $2, $3::text::jsonb)
                ORDER BY source_code, sku";
    c.query(sql, &[&order_id, &algorithm, &destination])
        .unwrap_or_else(|e| {
            panic!(
                "ship_order_by_selection({order_id}) failed: {}",
                describe(&e)
            )
        })
        .iter()
        .map(|row| (row.get(0), row.get(1), row.get(2), row.get(3)))
        .collect()
}

/// What the order's shipments hold, as (source, SKU, quantity), by source and SKU.
fn shipments(c: &mut Client, order_id: &str) -> Vec<(String, String, String)> {
    c.query(
        "SELECT s.source_code, si.sku, si.qty::text
           FROM inventory.shipment s JOIN inventory.shipment_item si USING (shipment_id)
          WHERE s.order_id = $1
          ORDER BY 1, 2",
        &[&order_id],
    )
    .expect("read shipments")
    .iter()
    .map(|row| (row.get(0), row.get(1), row.get(2)))
    .collect()
}

fn shipped(source: &str, sku: &str, qty: &str) -> (String, String, String) {
    (source.into(), sku.into(), qty.into())
}

/// The open quantity of each line of the order, by SKU.
fn open_lines(c: &mut Client, order_id: &str) -> Vec<(String, String)> {
    c.query(
        "SELECT sku, trim_scale(qty_open)::text FROM inventory.order_item WHERE order_id = $1 ORDER BY sku",
        &[&order_id],
    )
    .expect("read order_item")
    .iter()
    .map(|row| (row.get(0), row.get(1)))
    .collect()
}

fn order_reservations(c: &mut Client, order_id: &str) -> Option<String> {
    text(
        c,
        "SELECT sum(quantity)::text FROM inventory.reservation
          WHERE metadata ->> 'object_id' = $1",
        &[&order_id],
    )
}

#[test]
fn shipping_by_selection_makes_one_shipment_per_recommended_source() {
    let mut c = shop("selection_ship_two_sources");
    run(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('s1', 'BAG', 3, 1), ('s2', 'BAG', 5, 1)",
    );
    place(&mut c, "order-6", 2, r#"[{"sku": "BAG", "qty": 6}]"#);
    assert_eq!(
        by_priority(&mut c, 2, r#"[{"sku": "BAG", "qty": 6}]"#),
        [pick("BAG", "s1", "3"), pick("BAG", "s2", "3")]
    );

    let made = ship_by_selection(&mut c, "order-6", "priority", None);
    let per_source: Vec<(String, String, String)> = made
        .iter()
        .map(|(_, source, sku, qty)| (source.clone(), sku.clone(), qty.clone()))
        .collect();
    assert_eq!(
        per_source,
        [shipped("s1", "BAG", "3"), shipped("s2", "BAG", "3")]
    );
    assert_ne!(made[0].0, made[1].0, "two shipments, not one");
    assert_eq!(
        shipments(&mut c, "order-6"),
        [shipped("s1", "BAG", "3"), shipped("s2", "BAG", "3")]
    );

    // s1 is emptied and goes out of stock (backorders off); s2 keeps 2.
    assert_eq!(source_item(&mut c, "s1", "BAG"), ("0".to_string(), 0));
    assert_eq!(source_item(&mut c, "s2", "BAG"), ("2".to_string(), 1));
    assert_eq!(
        open_lines(&mut c, "order-6"),
        [("BAG".to_string(), "0".to_string())]
    );
    assert_eq!(order_reservations(&mut c, "order-6").as_deref(), Some("0"));
    assert_kept_figures_match(&mut c);

    // Nothing is open any more: a second call ships nothing.
    assert_eq!(ship_by_selection(&mut c, "order-6", "priority", None), []);
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM inventory.shipment WHERE order_id = 'order-6'"
        ),
        2
    );
    assert_eq!(source_item(&mut c, "s2", "BAG"), ("2".to_string(), 1));
    assert_eq!(
        count(
            &mut c,
            "SELECT count(*) FROM inventory.reservation_inconsistencies()"
        ),
        0
    );
    assert_kept_figures_match(&mut c);
}

#[test]
fn shipping_by_selection_groups_the_skus_of_one_source_into_one_shipment() {
    let mut c = shop("selection_ship_two_skus");
    run(
        &mut c,
        "INSERT INTO inventory.source_item VALUES ('s1', 'BAG', 2, 1), ('s1', 'MUG', 4, 1),
                                                  ('s2', 'BAG', 5, 1), ('s3', 'MUG', 1, 1)",
    );
    place(
        &mut c,
        "order-2",
        2,
        r#"[{"sku": "MUG", "qty": 5}, {"sku": "BAG", "qty": 3}]"#,
    );

    let made = ship_by_selection(&mut c, "order-2", "priority", None);
    assert_eq!(
        shipments(&mut c, "order-2"),
        [
            shipped("s1", "BAG", "2"),
            shipped("s1", "MUG", "4"),
            shipped("s2", "BAG", "1"),
            shipped("s3", "MUG", "1")
        ]
    );
    let mut ids: Vec<&str> = made.iter().map(|(id, _, _, _)| id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), 3, "one shipment per source: {made:?}");
    assert_eq!(
        open_lines(&mut c, "order-2"),
        [
            ("BAG".to_string(), "0".to_string()),
            ("MUG".to_string(), "0".to_string())
        ]
    );
    assert_eq!(order_reservations(&mut c, "order-2").as_deref(), Some("0"));
    assert_kept_figures_match(&mut c);
}

#[test]
fn an_order_the_sources_cannot_cover_ships_nothing_at_all() {
    let mut c = shop("selection_ship_uncoverable");
    run(
        &mut c,
        "INSERT INTO inventory.product (sku, backorders) VALUES ('BAG', 1);
         INSERT INTO inventory.source_item VALUES ('s1', 'BAG', 3, 1), ('s2', 'BAG', 5, 1);",
    );
    // 8 on hand, 10 ordered with backorders: 2 are owed and no source holds them.
    place(&mut c, "order-10", 2, r#"[{"sku": "BAG", "qty": 10}]"#);

    let error = expect_error(
        &mut c,
        "SELECT * FROM inventory.ship_order_by_selection('order-10')",
        "IN002",
    );
    assert!(
        error.message().contains("order-10") && error.message().contains("BAG"),
        "{}",
        error.message()
    );

    assert_eq!(shipments(&mut c, "order-10"), []);
    assert_eq!(source_item(&mut c, "s1", "BAG"), ("3".to_string(), 1));
    assert_eq!(source_item(&mut c, "s2", "BAG"), ("5".to_string(), 1));
    assert_eq!(
        open_lines(&mut c, "order-10"),
        [("BAG".to_string(), "10".to_string())]
    );
    assert_eq!(
        order_reservations(&mut c, "order-10").as_deref(),
        Some("-10")
    );
    assert_kept_figures_match(&mut c);
}

#[test]
fn shipping_by_distance_takes_the_nearest_sources() {
    let mut c = three_cities("selection_ship_by_distance");
    run(
        &mut c,
        "INSERT INTO inventory.source_item
         VALUES ('new-york', 'BAG', 2, 1), ('chicago', 'BAG', 5, 1), ('los-angeles', 'BAG', 10, 1)",
    );
    place(&mut c, "order-4", 2, r#"[{"sku": "BAG", "qty": 4}]"#);

    // By priority Los Angeles alone would ship all 4; Hoboken is nearest New York, then
    // Chicago.
    let destination = r#"{"country": "US", "postcode": "07030"}"#;
    let made = ship_by_selection(&mut c, "order-4", "distance", Some(destination));
    assert_eq!(made.len(), 2, "{made:?}");
    assert_eq!(
        shipments(&mut c, "order-4"),
        [
            shipped("chicago", "BAG", "2"),
            shipped("new-york", "BAG", "2")
        ]
    );
    assert_eq!(source_item(&mut c, "new-york", "BAG"), ("0".to_string(), 0));
    assert_eq!(source_item(&mut c, "chicago", "BAG"), ("3".to_string(), 1));
    assert_eq!(
        source_item(&mut c, "los-angeles", "BAG"),
        ("10".to_string(), 1)
    );
    assert_eq!(order_reservations(&mut c, "order-4").as_deref(), Some("0"));
    assert_kept_figures_match(&mut c);
}

#[test]
fn shipping_by_distance_without_a_destination_ships_nothing() {
    let mut c = three_cities("selection_ship_no_destination");
    run(&mut c, TEN_BAGS_EACH);
    place(&mut c, "order-1", 2, r#"[{"sku": "BAG", "qty": 1}]"#);

    expect_error(
        &mut c,
        "SELECT * FROM inventory.ship_order_by_selection('order-1', 'distance')",
        "22023",
    );
    assert_eq!(shipments(&mut c, "order-1"), []);
    assert_eq!(
        open_lines(&mut c, "order-1"),
        [("BAG".to_string(), "1".to_string())]
    );
    assert_kept_figures_match(&mut c);
}

// --- Size -------------------------------------------------------------------------------

#[test]
fn ten_lines_over_fifty_sources_list_every_holding_source() {
    let mut c = fresh_db("selection_ten_lines_fifty_sources");
    run(
        &mut c,
        "INSERT INTO inventory.stock (stock_id, name) OVERRIDING SYSTEM VALUE VALUES (2, 'Second');
         INSERT INTO inventory.source (source_code, name, country_code, postcode)
         SELECT format('src-%s', lpad(i::text, 2, '0')), format('Source %s', i), 'US', '10001'
           FROM generate_series(1, 50) i;
         INSERT INTO inventory.stock_source_link (stock_id, source_code, priority)
         SELECT 2, format('src-%s', lpad(i::text, 2, '0')), i FROM generate_series(1, 50) i;
         -- Every source holds 3 of each of the 10 SKUs: 150 of each in the stock.
         INSERT INTO inventory.source_item (source_code, sku, quantity, status)
         SELECT format('src-%s', lpad(i::text, 2, '0')), format('SKU-%s', k), 3, 1
           FROM generate_series(1, 50) i, generate_series(1, 10) k;",
    );

    // SKU-1 to SKU-5 ask 100 (covered), SKU-6 to SKU-10 ask 200 (50 short each).
    let items = format!(
        "[{}]",
        (1..=10)
            .map(|k| format!(
                r#"{{"sku": "SKU-{k}", "qty": {}}}"#,
                if k <= 5 { 100 } else { 200 }
            ))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let picks = by_priority(&mut c, 2, &items);

    assert_eq!(picks.len(), 10 * 50 + 5);
    let uncovered: Vec<&Pick> = picks
        .iter()
        .filter(|(_, source, _)| source.is_none())
        .collect();
    assert_eq!(
        uncovered,
        (6..=10)
            .map(|k| short(&format!("SKU-{k}"), "50"))
            .collect::<Vec<_>>()
            .iter()
            .collect::<Vec<_>>()
    );
    // A covered SKU takes 3 from each of the first 33 sources, 1 from the 34th, 0 after.
    let sku_1: Vec<&str> = picks
        .iter()
        .filter(|(sku, _, _)| sku == "SKU-1")
        .map(|(_, _, qty)| qty.as_str())
        .collect();
    assert_eq!(sku_1.len(), 50);
    assert!(sku_1[..33].iter().all(|&q| q == "3"), "{sku_1:?}");
    assert_eq!(sku_1[33], "1");
    assert!(sku_1[34..].iter().all(|&q| q == "0"), "{sku_1:?}");
}

#[test]
fn lines_without_managed_stock_ship_with_the_first_shipment() {
    let mut c = shop("selection_ship_unmanaged_line");
    run(
        &mut c,
        "INSERT INTO inventory.product (sku, manage_stock) VALUES ('FREE', false);
         INSERT INTO inventory.source_item VALUES ('s1', 'FREE', 0, 0), ('s1', 'X', 3.5, 1),
                                                  ('s2', 'X', 5, 1);",
    );
    place(
        &mut c,
        "order-free",
        2,
        r#"[{"sku": "X", "qty": 6}, {"sku": "FREE", "qty": 2}]"#,
    );

    ship_by_selection(&mut c, "order-free", "priority", None);
    assert_eq!(
        shipments(&mut c, "order-free"),
        [
            shipped("s1", "FREE", "2"),
            shipped("s1", "X", "3.5"),
            shipped("s2", "X", "2.5")
        ]
    );
    assert_eq!(
        open_lines(&mut c, "order-free"),
        [
            ("FREE".to_string(), "0".to_string()),
            ("X".to_string(), "0".to_string())
        ]
    );
    // The unmanaged line took nothing from its source.
    assert_eq!(
        text(
            &mut c,
            "SELECT quantity::text FROM inventory.source_item WHERE sku = 'FREE'",
            &[]
        ),
        Some("0".to_string())
    );
    assert!(ship_by_selection(&mut c, "order-free", "priority", None).is_empty());
    assert_kept_figures_match(&mut c);
}

#[test]
fn every_kind_of_item_write_reaches_what_selection_reads() {
    let mut c = shop("selection_every_item_write");
    let seven = r#"[{"sku": "W-1", "qty": 7}]"#;
    let step = |c: &mut Client, what: &str, sql: &str, expected: Vec<Pick>| {
        run(c, sql);
        assert_eq!(by_priority(c, 2, seven), expected, "after {what}");
        assert_kept_figures_match(c);
    };

    step(
        &mut c,
        "an insert",
        "INSERT INTO inventory.source_item (source_code, sku, quantity)
         VALUES ('s2', 'W-1', 5), ('s3', 'w-1', 4)",
        vec![pick("W-1", "s2", "5"), pick("W-1", "s3", "2")],
    );
    step(
        &mut c,
        "a quantity change",
        "UPDATE inventory.source_item SET quantity = 1.5 WHERE source_code = 's2'",
        vec![
            pick("W-1", "s2", "1.5"),
            pick("W-1", "s3", "4"),
            short("W-1", "1.5"),
        ],
    );
    step(
        &mut c,
        "an item going out of stock",
        "UPDATE inventory.source_item SET status = 0 WHERE source_code = 's3'",
        vec![pick("W-1", "s2", "1.5"), short("W-1", "5.5")],
    );
    step(
        &mut c,
        "a delete",
        "DELETE FROM inventory.source_item WHERE source_code = 's2'",
        vec![short("W-1", "7")],
    );
    step(
        &mut c,
        "an import that replaces the items",
        "SELECT * FROM inventory.import_source_items(
             E'source_code,sku,status,quantity\\ns1,W-1,1,3\\ns3,W-1,1,8', 'replace')",
        vec![pick("W-1", "s1", "3"), pick("W-1", "s3", "4")],
    );
    step(
        &mut c,
        "a COPY through the landing table",
        "INSERT INTO inventory.source_item_import (source_code, sku, status, quantity)
         VALUES ('s2', 'W-1', 1, 2)",
        vec![
            pick("W-1", "s1", "3"),
            pick("W-1", "s2", "2"),
            pick("W-1", "s3", "2"),
        ],
    );
    step(
        &mut c,
        "a transfer",
        "SELECT inventory.bulk_transfer(ARRAY['W-1'], 's3', 's1', true)",
        vec![pick("W-1", "s1", "7"), pick("W-1", "s2", "0")],
    );
    step(
        &mut c,
        "a TRUNCATE and a reload",
        "TRUNCATE inventory.source_item;
         INSERT INTO inventory.source_item (source_code, sku, quantity) VALUES ('s3', 'W-1', 9)",
        vec![pick("W-1", "s3", "7")],
    );
    // Thrown away by hand, rebuilt from the items.
    step(
        &mut c,
        "a rebuild",
        "SET session_replication_role = replica;
         DELETE FROM inventory.sku_holding;
         RESET session_replication_role;
         SELECT inventory.rebuild_figures()",
        vec![pick("W-1", "s3", "7")],
    );
}
