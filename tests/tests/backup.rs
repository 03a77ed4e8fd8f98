//! Backup and the extension's life cycle (README "For DBAs"): pg_dump keeps every row a shop
//! wrote and a restore brings it back exactly, kept figures included; DROP EXTENSION leaves
//! nothing behind; and an upgrade from each earlier release ends where a fresh install starts.
//!
//! The client programs come from PostgreSQL 15's bin folder (INVENTORY_PGBIN, default
//! /usr/lib/postgresql/15/bin) and reach the server named by the INVENTORY_PG* variables.

use std::path::PathBuf;
use std::process::Command;

use inventory_tests::postgres::Client;
use inventory_tests::{assert_kept_figures_match, connect, describe, fresh_db, run, DATA_TABLES};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the integration tests through scripts/test.sh")
    })
}

fn text(client: &mut Client, sql: &str) -> String {
    client
        .query_one(sql, &[])
        .unwrap_or_else(|e| panic!("`{sql}` failed: {}", describe(&e)))
        .get(0)
}

fn lines(client: &mut Client, sql: &str) -> Vec<String> {
    client
        .query(sql, &[])
        .unwrap_or_else(|e| panic!("`{sql}` failed: {}", describe(&e)))
        .iter()
        .map(|r| r.get(0))
        .collect()
}

/// Runs one of PostgreSQL's client programs against the test server; returns its standard
/// output and panics, with its standard error, when it fails.
fn client_program(program: &str, args: &[&str]) -> String {
    let bin = std::env::var("INVENTORY_PGBIN")
        .unwrap_or_else(|_| "/usr/lib/postgresql/15/bin".to_string());
    let path = PathBuf::from(bin).join(program);
    let output = Command::new(&path)
        .args([
            "-h",
            &env("INVENTORY_PGHOST"),
            "-p",
            &env("INVENTORY_PGPORT"),
            "-U",
            &env("INVENTORY_PGUSER"),
        ])
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", path.display()));
    assert!(
        output.status.success(),
        "{program} {args:?} failed ({}):\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the program's output is UTF-8")
}

/// An empty database named `name` (dropped first if a failed run left it), without the
/// extension: a restore target.
fn empty_db(name: &str) -> Client {
    let mut admin = connect("postgres");
    run(
        &mut admin,
        &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
    );
    run(
        &mut admin,
        &format!("CREATE DATABASE {name} TEMPLATE template0"),
    );
    connect(name)
}

/// A file in the temporary folder for this test's dump, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> TempFile {
        let path =
            std::env::temp_dir().join(format!("inventory-tests-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        TempFile(path)
    }

    fn path(&self) -> &str {
        self.0.to_str().expect("a UTF-8 temporary path")
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// A shop that has used every table: the default source moved, a disabled source, three
/// stocks with channels, products with settings, changed defaults, postal codes, and orders
/// placed, partly shipped, canceled, refunded with and without return to stock and shipped
/// by selection, so that reservations of every event type exist; one settled order's
/// reservations are cleaned up, which leaves a gap in the reservation ids.
const SHOP: &str = r#"
UPDATE inventory.source SET city = 'Newark', street = '1 Dock Rd', postcode = '07114',
       region = 'New Jersey', latitude = 40.7090, longitude = -74.1960, phone = '+1 555 0100'
 WHERE source_code = 'default';
INSERT INTO inventory.source (source_code, name, country_code, postcode, city, latitude,
                              longitude, enabled, email, is_pickup_location)
VALUES ('ny', 'New York', 'US', '10001', 'New York', 40.7506, -73.9972, true, 'ny@example.com', true),
       ('chi', 'Chicago', 'US', '60601', 'Chicago', 41.8855, -87.6221, true, NULL, false),
       ('la', 'Los Angeles', 'US', '90001', 'Los Angeles', 33.9731, -118.2479, false, NULL, false),
       ('ber', 'Berlin', 'DE', '10115', 'Berlin', NULL, NULL, true, NULL, false);
INSERT INTO inventory.stock (name) VALUES ('US Retail'), ('Europe');
INSERT INTO inventory.stock (stock_id, name) OVERRIDING SYSTEM VALUE VALUES (10, 'Outlet');
INSERT INTO inventory.stock_sales_channel (type, code, stock_id)
VALUES ('website', 'us_web', 2), ('website', 'de_web', 3), ('website', 'outlet', 10);
INSERT INTO inventory.stock_source_link (stock_id, source_code, priority)
VALUES (2, 'ny', 1), (2, 'chi', 2), (2, 'la', 3), (3, 'ber', 1), (10, 'chi', 1);
UPDATE inventory.defaults SET max_sale_qty = 500, notify_stock_qty = 3, min_qty = 1;
INSERT INTO inventory.product (sku, name, type_id, manage_stock, backorders, min_qty,
                               min_sale_qty, max_sale_qty, enable_qty_increments,
                               qty_increments, is_qty_decimal, notify_stock_qty)
VALUES ('24-MB01', 'Joust Duffle Bag', 'simple', NULL, 1, -5, NULL, NULL, NULL, NULL, false, 4),
       ('24-MB04', 'Strive Shoulder Pack', 'simple', NULL, NULL, NULL, 2, 40, true, 2, false, NULL),
       ('24-WG080', 'Sprite Yoga Strap', 'virtual', false, NULL, NULL, NULL, NULL, NULL, NULL, false, NULL),
       ('MH01', 'Chaz Kangeroo Hoodie', 'configurable', NULL, NULL, NULL, NULL, NULL, NULL, NULL, false, NULL),
       ('ROPE', 'Rope by the metre', 'simple', NULL, NULL, NULL, 0.5, NULL, NULL, NULL, true, NULL);
INSERT INTO inventory.source_item (source_code, sku, quantity, status, notify_stock_qty)
VALUES ('default', '24-MB01', 100, 1, NULL), ('ny', '24-MB01', 10, 1, 2),
       ('chi', '24-MB01', 6, 1, NULL), ('la', '24-MB01', 20, 1, NULL),
       ('ny', '24-MB04', 30, 1, NULL), ('chi', '24-MB04', 0, 0, NULL),
       ('ny', 'ROPE', 12.5, 1, NULL), ('chi', 'ROPE', -2, 1, NULL),
       ('ber', '24-MB01', 7, 1, NULL), ('ny', '24-WG080', 0, 0, NULL);
SELECT inventory.import_geonames(E'US\t10001\tNew York\tNew York\tNY\tNew York\t061\t\t\t40.7484\t-73.9967\t4\nUS\t60601\tChicago\tIllinois\tIL\tCook\t031\t\t\t41.8858\t-87.6181\t4\nDE\t10115\tBerlin\tBerlin\tBE\t\t\t\t\t52.5323\t13.3846\t4\n');
SELECT * FROM inventory.place_order('100', 2, '[{"sku": "24-MB01", "qty": 5}, {"sku": "24-MB04", "qty": 4}]', '000000100');
SELECT * FROM inventory.place_order('103', 3, '[{"sku": "24-MB01", "qty": 2}]');
SELECT inventory.cancel_order('103');
SELECT inventory.cleanup_reservations();
SELECT * FROM inventory.place_order('101', 2, '[{"sku": "24-MB01", "qty": 3}, {"sku": "ROPE", "qty": 2.5}]', '000000101');
SELECT inventory.ship_order('101', '101-A', 'ny', '[{"sku": "24-MB01", "qty": 2}, {"sku": "ROPE", "qty": 1.5}]');
SELECT inventory.cancel_order('101', '[{"sku": "ROPE", "qty": 1}]');
SELECT * FROM inventory.place_order('102', 2, '[{"sku": "24-MB04", "qty": 6}, {"sku": "24-WG080", "qty": 1}]');
SELECT inventory.ship_order('102', '102-A', 'ny', '[{"sku": "24-MB04", "qty": 4}]');
SELECT inventory.refund_order('102', '102-M1', '[{"sku": "24-MB04", "qty": 4}]', true);
SELECT inventory.refund_order('102', '102-M2', '[{"sku": "24-MB04", "qty": 2}]', false);
SELECT * FROM inventory.place_order('104', 2, '[{"sku": "24-MB01", "qty": 12}]');
SELECT * FROM inventory.ship_order_by_selection('104');
SELECT * FROM inventory.place_order('105', 1, '[{"sku": "24-MB01", "qty": 1}]', '000000105');
SELECT * FROM inventory.place_order('106', 2, '[{"sku": "24-MB04", "qty": 2}]');
SELECT inventory.refund_order('106', '106-M1', '[{"sku": "24-MB04", "qty": 2}]');
"#;

/// Every row of every table, as text, sorted: equal for two databases holding the same rows.
/// `timeless` leaves out the `created_at` columns, which differ between two databases that
/// ran the same calls.
///
/// The kept figures are compared by value: a sum kept by adding deltas may carry another
/// scale than the same sum recomputed at once (0.0 and 0).
fn table_rows(client: &mut Client, timeless: bool) -> Vec<(String, String)> {
    DATA_TABLES
        .iter()
        .map(|table| {
            let source = match *table {
                "stock_sku" => "(SELECT stock_id, sku, trim_scale(quantity) AS quantity, \
                                trim_scale(reserved) AS reserved, items_assigned, items_enabled, \
                                items_in_stock, manage_stock, backorders, \
                                trim_scale(threshold) AS threshold, \
                                trim_scale(salable_qty) AS salable_qty, is_salable \
                                FROM inventory.stock_sku)"
                    .to_string(),
                _ => format!("inventory.{table}"),
            };
            let row = if timeless {
                "(to_jsonb(t) - 'created_at')::text"
            } else {
                "t::text"
            };
            let rows = text(
                client,
                &format!(
                    "SELECT coalesce(string_agg(r, E'\\n' ORDER BY r), '') \
                     FROM (SELECT {row} AS r FROM {source} t) x"
                ),
            );
            (table.to_string(), rows)
        })
        .collect()
}

/// Both databases hold the same rows (with their timestamps unless `timeless`).
#[track_caller]
fn assert_same_rows(got: &mut Client, want: &mut Client, timeless: bool) {
    let (got, want) = (table_rows(got, timeless), table_rows(want, timeless));
    let differing: Vec<String> = got
        .iter()
        .zip(&want)
        .filter(|(g, w)| g != w)
        .map(|((table, g), (_, w))| format!("inventory.{table}:\n  got:\n{g}\n  expected:\n{w}"))
        .collect();
    assert!(
        differing.is_empty(),
        "the rows differ:\n{}",
        differing.join("\n")
    );
}

/// The event types of the reservations, to prove the shop has them all.
fn event_types(client: &mut Client) -> Vec<String> {
    lines(
        client,
        "SELECT DISTINCT metadata ->> 'event_type' FROM inventory.reservation ORDER BY 1",
    )
}

/// The restored copy keeps working: a new order appends reservations after the old ids
/// (no duplicate key), a new stock gets an id the sequence never gave, and the same order
/// placed on the original gives the same result.
fn assert_restored_copy_works(restored: &mut Client, original: &mut Client) {
    let max_before = text(
        restored,
        "SELECT max(reservation_id)::text FROM inventory.reservation",
    );
    let order = "SELECT string_agg(t::text, ' ') FROM inventory.place_order('200', 2, \
                 '[{\"sku\": \"24-MB01\", \"qty\": 1}, {\"sku\": \"24-MB04\", \"qty\": 2}]') t";
    let on_restored = text(restored, order);
    assert_eq!(on_restored, text(original, order));
    let new_ids = lines(
        restored,
        "SELECT reservation_id::text FROM inventory.reservation WHERE order_id = '200'",
    );
    assert_eq!(new_ids.len(), 2, "order 200 reserves two SKUs");
    for id in &new_ids {
        assert!(
            id.parse::<i64>().unwrap() > max_before.parse::<i64>().unwrap(),
            "new reservation id {id} is not after the restored ones (max {max_before})"
        );
    }

    let stock = "INSERT INTO inventory.stock (name) VALUES ('After restore') RETURNING stock_id";
    let new_stock: i32 = restored
        .query_one(stock, &[])
        .unwrap_or_else(|e| panic!("creating a stock on the restored copy: {}", describe(&e)))
        .get(0);
    assert_eq!(
        new_stock, 4,
        "stocks 2 and 3 came from the sequence, 10 was set by hand"
    );
    run(original, &stock.replace(" RETURNING stock_id", ""));

    assert_kept_figures_match(restored);
    assert_same_rows(restored, original, true);
}

#[test]
fn custom_format_dump_restores_every_row_and_keeps_working() {
    let mut original = fresh_db("backup_custom_original");
    run(&mut original, SHOP);
    assert_eq!(
        event_types(&mut original),
        [
            "creditmemo_created",
            "order_canceled",
            "order_placed",
            "shipment_created"
        ]
    );

    let dump = TempFile::new("backup_custom.dump");
    client_program(
        "pg_dump",
        &["-Fc", "-f", dump.path(), "backup_custom_original"],
    );
    drop(empty_db("backup_custom_restored"));
    client_program(
        "pg_restore",
        &[
            "--exit-on-error",
            "-d",
            "backup_custom_restored",
            dump.path(),
        ],
    );

    let mut restored = connect("backup_custom_restored");
    assert_same_rows(&mut restored, &mut original, false);
    assert_kept_figures_match(&mut restored);
    assert_restored_copy_works(&mut restored, &mut original);
}

#[test]
fn plain_sql_dump_restored_with_psql_keeps_every_row() {
    let mut original = fresh_db("backup_plain_original");
    run(&mut original, SHOP);

    let dump = TempFile::new("backup_plain.sql");
    client_program(
        "pg_dump",
        &["-Fp", "-f", dump.path(), "backup_plain_original"],
    );
    drop(empty_db("backup_plain_restored"));
    client_program(
        "psql",
        &[
            "-X",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-d",
            "backup_plain_restored",
            "-f",
            dump.path(),
        ],
    );

    let mut restored = connect("backup_plain_restored");
    assert_same_rows(&mut restored, &mut original, false);
    assert_kept_figures_match(&mut restored);
    assert_restored_copy_works(&mut restored, &mut original);
}

#[test]
fn data_only_restore_without_triggers_is_repaired_by_rebuild_figures() {
    let mut original = fresh_db("backup_data_only_original");
    run(&mut original, SHOP);

    let dump = TempFile::new("backup_data_only.dump");
    client_program(
        "pg_dump",
        &["-Fc", "-f", dump.path(), "backup_data_only_original"],
    );
    let mut restored = fresh_db("backup_data_only_restored");
    // CREATE EXTENSION made the seed rows; a data-only restore brings them again.
    run(
        &mut restored,
        "DELETE FROM inventory.stock_sales_channel; \
         ALTER TABLE inventory.stock_source_link DISABLE TRIGGER USER; \
         DELETE FROM inventory.stock_source_link; \
         ALTER TABLE inventory.stock_source_link ENABLE TRIGGER USER; \
         ALTER TABLE inventory.source DISABLE TRIGGER USER; \
         ALTER TABLE inventory.stock DISABLE TRIGGER USER; \
         ALTER TABLE inventory.defaults DISABLE TRIGGER USER; \
         DELETE FROM inventory.stock; DELETE FROM inventory.source; \
         DELETE FROM inventory.defaults; \
         ALTER TABLE inventory.source ENABLE TRIGGER USER; \
         ALTER TABLE inventory.stock ENABLE TRIGGER USER; \
         ALTER TABLE inventory.defaults ENABLE TRIGGER USER;",
    );
    client_program(
        "pg_restore",
        &[
            "--exit-on-error",
            "--data-only",
            "--disable-triggers",
            "-d",
            "backup_data_only_restored",
            dump.path(),
        ],
    );

    let rebuilt = text(&mut restored, "SELECT inventory.rebuild_figures()::text");
    assert_ne!(rebuilt, "0", "rebuild_figures wrote no figures");
    assert_kept_figures_match(&mut restored);
    assert_same_rows(&mut restored, &mut original, false);
}

#[test]
fn drop_extension_removes_everything_it_created() {
    let mut c = fresh_db("backup_drop_extension");
    run(&mut c, SHOP);
    let extension_oid = text(
        &mut c,
        "SELECT oid::text FROM pg_extension WHERE extname = 'inventory'",
    );

    run(&mut c, "DROP EXTENSION inventory");

    let mut left = Vec::new();
    let leftovers = [
        (
            "schema inventory",
            "SELECT nspname::text FROM pg_namespace WHERE nspname = 'inventory'".to_string(),
        ),
        (
            "objects depending on the extension",
            format!(
                "SELECT pg_describe_object(classid, objid, objsubid) FROM pg_depend \
                 WHERE refclassid = 'pg_extension'::regclass AND refobjid = {extension_oid}"
            ),
        ),
        (
            "collation sku_ci",
            "SELECT collname::text FROM pg_collation WHERE collname = 'sku_ci'".to_string(),
        ),
        (
            "relations, functions or types in the schema",
            "SELECT c.oid::regclass::text FROM pg_class c JOIN pg_namespace n \
               ON n.oid = c.relnamespace WHERE n.nspname = 'inventory' \
             UNION ALL SELECT p.oid::regprocedure::text FROM pg_proc p JOIN pg_namespace n \
               ON n.oid = p.pronamespace WHERE n.nspname = 'inventory' \
             UNION ALL SELECT t.oid::regtype::text FROM pg_type t JOIN pg_namespace n \
               ON n.oid = t.typnamespace WHERE n.nspname = 'inventory'"
                .to_string(),
        ),
        (
            "event triggers",
            "SELECT evtname::text FROM pg_event_trigger".to_string(),
        ),
    ];
    for (what, sql) in &leftovers {
        let found = lines(&mut c, sql);
        if !found.is_empty() {
            left.push(format!("{what}: {found:?}"));
        }
    }

    // Roles are cluster-wide and stay, as the README says.
    let roles = lines(
        &mut c,
        "SELECT rolname::text FROM pg_roles \
         WHERE rolname IN ('inventory_reader', 'inventory_app', 'inventory_admin') ORDER BY 1",
    );
    assert_eq!(
        roles,
        ["inventory_admin", "inventory_app", "inventory_reader"]
    );

    // The extension can be created again in the same database, with its seed rows.
    run(&mut c, "CREATE EXTENSION inventory");
    assert_eq!(
        text(
            &mut c,
            "SELECT format('%s %s %s', (SELECT count(*) FROM inventory.source), \
             (SELECT string_agg(name, ',') FROM inventory.stock), \
             (SELECT count(*) FROM inventory.reservation))"
        ),
        "1 Default Stock 0"
    );
    run(
        &mut c,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) VALUES ('default', 'X', 2)",
    );
    assert_eq!(
        text(
            &mut c,
            "SELECT inventory.get_product_salable_qty('X', 1)::text"
        ),
        "2"
    );

    assert!(
        left.is_empty(),
        "DROP EXTENSION left behind:\n  {}",
        left.join("\n  ")
    );
}

/// The objects of the installed extension, one line each, described so that two databases
/// compare equal exactly when their installs are the same.
fn catalog_description(client: &mut Client) -> Vec<(String, Vec<String>)> {
    let queries = [
        (
            "members",
            "SELECT pg_describe_object(classid, objid, objsubid) FROM pg_depend \
             WHERE refclassid = 'pg_extension'::regclass AND deptype = 'e' \
               AND refobjid = (SELECT oid FROM pg_extension WHERE extname = 'inventory') \
             ORDER BY 1",
        ),
        (
            "extension",
            "SELECT format('%s %s %s', extversion, extrelocatable, \
                    (SELECT string_agg(c::regclass::text || ' ' || coalesce(w, ''), ', ' ORDER BY 1) \
                       FROM unnest(extconfig, extcondition) AS x(c, w))) \
               FROM pg_extension WHERE extname = 'inventory'",
        ),
        (
            "grants",
            "SELECT format('schema %s', nspacl) FROM pg_namespace WHERE nspname = 'inventory' \
             UNION ALL \
             SELECT format('%s %s', oid::regclass, relacl) FROM pg_class \
              WHERE relnamespace = 'inventory'::regnamespace \
             UNION ALL \
             SELECT format('%s %s', oid::regprocedure, proacl) FROM pg_proc \
              WHERE pronamespace = 'inventory'::regnamespace \
             ORDER BY 1",
        ),
        (
            "functions",
            "SELECT format('%s security definer %s config %s: %s', oid::regprocedure, prosecdef, \
                           proconfig, md5(pg_get_functiondef(oid))) \
               FROM pg_proc WHERE pronamespace = 'inventory'::regnamespace AND prokind = 'f' \
              ORDER BY 1",
        ),
        (
            "columns",
            "SELECT format('%s.%s %s notnull %s generated %s default %s collation %s', \
                           a.attrelid::regclass, a.attname, format_type(a.atttypid, a.atttypmod), \
                           a.attnotnull, a.attgenerated, pg_get_expr(d.adbin, d.adrelid), \
                           a.attcollation::regcollation) \
               FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid \
               LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
              WHERE c.relnamespace = 'inventory'::regnamespace AND a.attnum > 0 \
                AND NOT a.attisdropped \
              ORDER BY 1",
        ),
        (
            "constraints",
            "SELECT format('%s %s: %s', conrelid::regclass, conname, pg_get_constraintdef(oid)) \
               FROM pg_constraint WHERE connamespace = 'inventory'::regnamespace ORDER BY 1",
        ),
        (
            "indexes",
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index i JOIN pg_class c \
                 ON c.oid = i.indrelid \
              WHERE c.relnamespace = 'inventory'::regnamespace ORDER BY 1",
        ),
        (
            "triggers",
            "SELECT format('%s %s', pg_get_triggerdef(t.oid), t.tgenabled) FROM pg_trigger t \
               JOIN pg_class c ON c.oid = t.tgrelid \
              WHERE c.relnamespace = 'inventory'::regnamespace AND NOT t.tgisinternal \
              ORDER BY 1",
        ),
        (
            "views",
            "SELECT format('%s: %s', oid::regclass, pg_get_viewdef(oid)) FROM pg_class \
              WHERE relnamespace = 'inventory'::regnamespace AND relkind = 'v' ORDER BY 1",
        ),
        (
            "comments",
            "SELECT format('%s: %s', pg_describe_object(classoid, objoid, objsubid), description) \
               FROM pg_description \
              WHERE (classoid = 'pg_class'::regclass AND objoid IN (SELECT oid FROM pg_class \
                       WHERE relnamespace = 'inventory'::regnamespace)) \
                 OR (classoid = 'pg_proc'::regclass AND objoid IN (SELECT oid FROM pg_proc \
                       WHERE pronamespace = 'inventory'::regnamespace)) \
              ORDER BY 1",
        ),
    ];
    queries
        .iter()
        .map(|(what, sql)| (what.to_string(), lines(client, sql)))
        .collect()
}

/// `pg_dump --schema-only` of a database, without comment lines, blank lines and the
/// `\restrict` / `\unrestrict` lines, whose key is random.
fn schema_dump(db: &str) -> Vec<String> {
    client_program("pg_dump", &["--schema-only", db])
        .lines()
        .filter(|l| {
            !l.trim().is_empty()
                && !l.starts_with("--")
                && !l.starts_with("\\restrict ")
                && !l.starts_with("\\unrestrict ")
        })
        .map(str::to_string)
        .collect()
}

/// Data written with nothing but the calls 0.1.0 already had.
const UPGRADE_DATA: &str = r#"
INSERT INTO inventory.source (source_code, name, country_code, postcode)
VALUES ('ny', 'New York', 'US', '10001'), ('chi', 'Chicago', 'US', '60601');
INSERT INTO inventory.stock (name) VALUES ('US Retail');
INSERT INTO inventory.stock_sales_channel (type, code, stock_id) VALUES ('website', 'us_web', 2);
INSERT INTO inventory.stock_source_link (stock_id, source_code, priority) VALUES (2, 'ny', 1), (2, 'chi', 2);
INSERT INTO inventory.product (sku, name, backorders, min_qty) VALUES ('BO-1', 'Backorderable', 1, -3);
INSERT INTO inventory.source_item (source_code, sku, quantity, status)
VALUES ('ny', 'A-1', 10, 1), ('chi', 'A-1', 4, 1), ('ny', 'BO-1', 2, 1), ('default', 'A-1', 9, 1);
SELECT * FROM inventory.place_order('u1', 2, '[{"sku": "A-1", "qty": 3}, {"sku": "BO-1", "qty": 4}]', '000000001');
SELECT inventory.ship_order('u1', 'u1-ship', 'ny', '[{"sku": "A-1", "qty": 2}]');
SELECT * FROM inventory.place_order('u2', 1, '[{"sku": "A-1", "qty": 5}]');
SELECT inventory.cancel_order('u2');
"#;

/// A selection over the upgrade data, by priority and by distance, as text.
const SELECTION: &str = "SELECT string_agg(t::text, ' ') FROM (\
     SELECT * FROM inventory.select_sources(2, '[{\"sku\": \"a-1\", \"qty\": 20}, \
                                                {\"sku\": \"BO-1\", \"qty\": 1}]') \
     UNION ALL \
     SELECT * FROM inventory.select_sources(2, '[{\"sku\": \"A-1\", \"qty\": 9}]', 'distance', \
                                            '{\"latitude\": 41.9, \"longitude\": -87.6}')) t";

/// What a shop does after the upgrade (or on the fresh install), each result as text.
const AFTER_UPGRADE: [&str; 6] = [
    "SELECT string_agg(t::text, ' ') FROM inventory.place_order('u3', 2, \
     '[{\"sku\": \"A-1\", \"qty\": 6}, {\"sku\": \"BO-1\", \"qty\": 1}]') t",
    "SELECT inventory.ship_order('u1', 'u1-ship-2', 'chi', '[{\"sku\": \"A-1\", \"qty\": 1}]')::text",
    "SELECT inventory.cancel_order('u1')::text",
    "SELECT inventory.get_product_salable_qty('A-1', 2)::text",
    "SELECT string_agg(t::text, ' ') FROM inventory.select_sources(2, \
     '[{\"sku\": \"A-1\", \"qty\": 20}]') t",
    "SELECT count(*)::text FROM inventory.reservation_inconsistencies()",
];

/// What an `inventory_app` login may and may not do in `db`: one line per attempt.
fn app_permissions(db: &str, role: &str) -> Vec<String> {
    let mut owner = connect(db);
    run(&mut owner, &format!("SET ROLE {role}"));
    [
        "SELECT * FROM inventory.place_order('perm-1', 2, '[{\"sku\": \"A-1\", \"qty\": 1}]')",
        "SELECT inventory.cancel_order('perm-1')",
        "SELECT inventory.get_product_salable_qty('A-1', 2)",
        "INSERT INTO inventory.reservation (stock_id, sku, quantity) VALUES (2, 'A-1', -1)",
        "UPDATE inventory.source_item SET quantity = 0",
        "SELECT inventory.bulk_assign_sources(ARRAY['A-1'], ARRAY['chi'])",
        "SELECT * FROM inventory.import_source_items('source_code,sku,quantity')",
    ]
    .iter()
    .map(|sql| match owner.batch_execute(sql) {
        Ok(()) => format!("{sql}: allowed"),
        Err(e) => format!(
            "{sql}: {}",
            e.as_db_error()
                .map_or("no server error", |d| d.code().code())
        ),
    })
    .collect()
}

#[test]
fn upgrade_from_0_1_0_ends_where_a_fresh_install_starts() {
    upgrade_ends_where_a_fresh_install_starts("0.1.0");
}

#[test]
fn upgrade_from_0_2_0_ends_where_a_fresh_install_starts() {
    upgrade_ends_where_a_fresh_install_starts("0.2.0");
}

#[test]
fn upgrade_from_0_3_0_ends_where_a_fresh_install_starts() {
    upgrade_ends_where_a_fresh_install_starts("0.3.0");
}

/// A database created at `from`, given data, then `ALTER EXTENSION inventory UPDATE`d
/// (through every upgrade script after it), against a fresh install given the same data.
fn upgrade_ends_where_a_fresh_install_starts(from: &str) {
    let tag = from.replace('.', "_");
    let (upgraded_db, fresh) = (
        format!("backup_upgraded_{tag}"),
        format!("backup_fresh_install_{tag}"),
    );
    let (upgraded_db, fresh) = (upgraded_db.as_str(), fresh.as_str());
    // The fresh install first: fresh_db serializes CREATE EXTENSION, which creates the
    // cluster-wide roles on a new cluster; afterwards they exist and nothing races for them.
    let mut installed = fresh_db(fresh);
    run(&mut installed, UPGRADE_DATA);

    let mut upgraded = empty_db(upgraded_db);
    if let Err(e) = upgraded.batch_execute(&format!("CREATE EXTENSION inventory VERSION '{from}'"))
    {
        panic!(
            "CREATE EXTENSION inventory VERSION '{from}' failed: {}\n\
             (the install script sql/inventory--{from}.sql must be installed with the \
             extension)",
            describe(&e)
        );
    }
    run(&mut upgraded, UPGRADE_DATA);

    // Until it is updated, the old release's SQL runs on this library: source selection
    // (whose C function changed) answers as the fresh install does.
    assert_eq!(
        text(&mut upgraded, SELECTION),
        text(&mut installed, SELECTION),
        "select_sources at {from} on this library"
    );

    let default_version = text(
        &mut upgraded,
        "SELECT default_version FROM pg_available_extensions WHERE name = 'inventory'",
    );
    assert_ne!(
        default_version, from,
        "there is nothing to upgrade to: the default version is {from}, so the upgrade \
         script inventory--{from}--<new>.sql is not installed yet"
    );
    run(&mut upgraded, "ALTER EXTENSION inventory UPDATE");
    assert_eq!(
        text(
            &mut upgraded,
            "SELECT extversion FROM pg_extension WHERE extname = 'inventory'"
        ),
        default_version
    );

    // The same objects, defined the same way, with the same grants.
    let (after_upgrade, after_install) = (
        catalog_description(&mut upgraded),
        catalog_description(&mut installed),
    );
    for ((what, got), (_, want)) in after_upgrade.iter().zip(&after_install) {
        let missing: Vec<&String> = want.iter().filter(|l| !got.contains(l)).collect();
        let extra: Vec<&String> = got.iter().filter(|l| !want.contains(l)).collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{what} differ after the upgrade:\n  only in a fresh install: {missing:#?}\n  \
             only after the upgrade: {extra:#?}"
        );
    }
    assert_eq!(
        schema_dump(upgraded_db),
        schema_dump(fresh),
        "pg_dump --schema-only differs"
    );

    // The same data and the same behaviour.
    assert_kept_figures_match(&mut upgraded);
    assert_same_rows(&mut upgraded, &mut installed, true);
    for sql in AFTER_UPGRADE {
        assert_eq!(
            text(&mut upgraded, sql),
            text(&mut installed, sql),
            "`{sql}` differs"
        );
    }
    assert_same_rows(&mut upgraded, &mut installed, true);
    assert_eq!(
        app_permissions(upgraded_db, "inventory_app"),
        app_permissions(fresh, "inventory_app")
    );
    assert_kept_figures_match(&mut upgraded);
}
