//! Who may do what (README "For DBAs"): each of the extension's roles, granted to a login role
//! of the test's own and used over a real connection, may do exactly what its row of the table
//! says and is refused (42501) the rest; and a session whose search_path puts shadowing
//! functions and operators before pg_catalog cannot make the extension call them.
//!
//! Roles are cluster-wide, so every test creates login roles with names of its own and drops
//! them when it ends, even when it fails.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use inventory_tests::postgres::error::DbError;
use inventory_tests::postgres::{Client, Config, NoTls, SimpleQueryMessage};
use inventory_tests::{assert_kept_figures_match, connect, describe, fresh_db, run};

/// Every table of the extension with one of its columns, for the write attempts.
const TABLES: [(&str, &str); 18] = [
    ("source", "name"),
    ("stock", "name"),
    ("stock_sales_channel", "code"),
    ("stock_source_link", "priority"),
    ("source_item", "quantity"),
    ("product", "name"),
    ("defaults", "min_qty"),
    ("geoname", "city"),
    ("reservation", "quantity"),
    ("sales_order", "increment_id"),
    ("order_item", "qty_shipped"),
    ("shipment", "source_code"),
    ("shipment_item", "qty"),
    ("credit_memo", "return_to_stock"),
    ("credit_memo_item", "qty"),
    ("stock_sku", "quantity"),
    ("sku_holding", "units"),
    ("source_item_import", "quantity"),
];

/// The tables `inventory_admin` may write (README: sources, stocks, links, channels, source
/// items, products, defaults, postal codes).
const ADMIN_TABLES: [&str; 8] = [
    "source",
    "stock",
    "stock_sales_channel",
    "stock_source_link",
    "source_item",
    "product",
    "defaults",
    "geoname",
];

const VIEWS: [&str; 4] = [
    "stock_index",
    "salable_quantity",
    "low_stock",
    "source_item_export",
];

/// Calls that only read: granted to `inventory_reader` and so to every role above it.
const READING_CALLS: [&str; 11] = [
    "SELECT inventory.get_product_salable_qty('A', 2)",
    "SELECT inventory.is_product_salable('A', 2)",
    "SELECT * FROM inventory.is_product_salable_for_requested_qty('A', 2, 3)",
    "SELECT inventory.stock_by_sales_channel('web')",
    "SELECT * FROM inventory.select_sources(2, '[{\"sku\": \"A\", \"qty\": 12}]')",
    "SELECT * FROM inventory.select_sources(2, '[{\"sku\": \"A\", \"qty\": 2}]', 'distance', \
     '{\"country\": \"US\", \"postcode\": \"60601\"}')",
    "SELECT * FROM inventory.source_selection_algorithms()",
    "SELECT * FROM inventory.figure_differences()",
    "SELECT * FROM inventory.recomputed_figures()",
    "SELECT * FROM inventory.reservation_inconsistencies()",
    "SELECT * FROM inventory.low_stock",
];

/// The order functions, each a call that would succeed on the shop for a role allowed to make
/// it (granted to `inventory_app`).
const ORDER_CALLS: [&str; 5] = [
    "SELECT * FROM inventory.place_order('denied-1', 2, '[{\"sku\": \"A\", \"qty\": 1}]')",
    "SELECT inventory.cancel_order('o1', '[{\"sku\": \"B\", \"qty\": 1}]')",
    "SELECT inventory.ship_order('o1', 'denied-ship', 's1', '[{\"sku\": \"A\", \"qty\": 1}]')",
    "SELECT inventory.refund_order('o1', 'denied-memo', '[{\"sku\": \"A\", \"qty\": 1}]')",
    "SELECT * FROM inventory.ship_order_by_selection('o1')",
];

/// Imports, bulk moves and maintenance: granted to `inventory_admin` only.
const ADMIN_CALLS: [&str; 9] = [
    "SELECT * FROM inventory.import_source_items(E'source_code,sku,status,quantity\\ns1,N,1,4\\n')",
    "SELECT * FROM inventory.import_legacy_catalog(E'sku,product_type,qty\\nN,simple,4\\n')",
    "SELECT inventory.import_geonames(E'US\\t94105\\tSan Francisco\\tCalifornia\\tCA\\t\\t\\t\\t\\t\
     37.7898\\t-122.3942\\t4\\n')",
    "SELECT inventory.bulk_assign_sources(ARRAY['A'], ARRAY['s3'])",
    "SELECT inventory.bulk_unassign_sources(ARRAY['B'], ARRAY['s1'])",
    "SELECT inventory.bulk_transfer(ARRAY['A'], 's2', 's3')",
    "SELECT inventory.partial_transfer('s1', 's2', '[{\"sku\": \"A\", \"qty\": 1}]')",
    "SELECT inventory.cleanup_reservations()",
    "SELECT inventory.rebuild_figures()",
];

/// A login role that exists for one test and is dropped when the test ends, with whatever it
/// owns or was granted in the test's databases.
struct TestRole {
    name: String,
    databases: Vec<String>,
}

impl TestRole {
    /// Creates `name` (LOGIN, no superuser) as a member of `granted` (none for an empty
    /// list). The test's databases must exist already: fresh_db drops what a failed earlier
    /// run left in them, so the role can be dropped and made anew here.
    fn create(name: &str, granted: &[&str], databases: &[&str]) -> TestRole {
        let mut admin = connect("postgres");
        let role = TestRole {
            name: name.to_string(),
            databases: databases.iter().map(|d| d.to_string()).collect(),
        };
        role.drop_everything(&mut admin);
        run(&mut admin, &format!("CREATE ROLE {name} LOGIN NOSUPERUSER"));
        for parent in granted {
            run(&mut admin, &format!("GRANT {parent} TO {name}"));
        }
        role
    }

    fn drop_everything(&self, admin: &mut Client) {
        let exists = admin
            .query_opt("SELECT 1 FROM pg_roles WHERE rolname = $1", &[&self.name])
            .map(|row| row.is_some())
            .unwrap_or(false);
        if !exists {
            return;
        }
        for db in &self.databases {
            if let Ok(mut client) = try_connect(db, None) {
                let _ = client.batch_execute(&format!("DROP OWNED BY {}", self.name));
            }
        }
        let _ = admin.batch_execute(&format!("DROP OWNED BY {}", self.name));
        let _ = admin.batch_execute(&format!("DROP ROLE {}", self.name));
    }

    /// A connection to `db` as this role.
    fn connect(&self, db: &str) -> Client {
        try_connect(db, Some(&self.name))
            .unwrap_or_else(|e| panic!("connecting to {db} as {}: {}", self.name, describe(&e)))
    }
}

impl Drop for TestRole {
    fn drop(&mut self) {
        // Never panic here: this also runs while a failed test unwinds.
        if let Ok(mut admin) = try_connect("postgres", None) {
            self.drop_everything(&mut admin);
        }
    }
}

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: run the integration tests through scripts/test.sh")
    })
}

/// The harness's connection settings with another user (the cluster trusts local users).
fn config(db: &str, user: Option<&str>) -> Config {
    let port: u16 = env("INVENTORY_PGPORT")
        .parse()
        .expect("INVENTORY_PGPORT is a port");
    let mut config = Config::new();
    config
        .host(&env("INVENTORY_PGHOST"))
        .port(port)
        .user(user.unwrap_or(&env("INVENTORY_PGUSER")))
        .dbname(db)
        .application_name("inventory-tests-security")
        .connect_timeout(Duration::from_secs(10));
    config
}

fn try_connect(db: &str, user: Option<&str>) -> Result<Client, inventory_tests::postgres::Error> {
    config(db, user).connect(NoTls)
}

/// Runs one attempt: `None` when it succeeded, else the server's error.
fn refusal(client: &mut Client, sql: &str) -> Option<DbError> {
    match client.batch_execute(sql) {
        Ok(()) => None,
        Err(e) => match e.as_db_error() {
            Some(db) => Some(db.clone()),
            None => panic!("`{sql}`: the connection failed: {e}"),
        },
    }
}

/// Runs every statement expecting it to succeed; returns one line per one that did not.
fn expect_allowed(client: &mut Client, role: &str, statements: &[String]) -> Vec<String> {
    statements
        .iter()
        .filter_map(|sql| {
            refusal(client, sql).map(|e| {
                format!(
                    "{role} was refused `{sql}`: {} {}",
                    e.code().code(),
                    e.message()
                )
            })
        })
        .collect()
}

/// Runs every statement expecting 42501 (or one of `also` for a statement whose refusal the
/// extension itself raises); returns one line per statement that did otherwise.
fn expect_denied(
    client: &mut Client,
    role: &str,
    statements: &[String],
    also: &[&str],
) -> Vec<String> {
    statements
        .iter()
        .filter_map(|sql| match refusal(client, sql) {
            None => Some(format!("{role} was allowed `{sql}`")),
            Some(e) if e.code().code() == "42501" || also.contains(&e.code().code()) => None,
            Some(e) => Some(format!(
                "{role}: `{sql}` failed with {} {} instead of 42501",
                e.code().code(),
                e.message()
            )),
        })
        .collect()
}

#[track_caller]
fn assert_no_problems(problems: &[String]) {
    assert!(
        problems.is_empty(),
        "{} problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

/// Every write a table can take: INSERT, UPDATE, DELETE and TRUNCATE.
fn writes_to(table: &str, column: &str) -> Vec<String> {
    vec![
        format!("INSERT INTO inventory.{table} DEFAULT VALUES"),
        format!("UPDATE inventory.{table} SET {column} = {column}"),
        format!("DELETE FROM inventory.{table}"),
        format!("TRUNCATE inventory.{table}"),
    ]
}

fn strings(statements: &[&str]) -> Vec<String> {
    statements.iter().map(|s| s.to_string()).collect()
}

/// Every row of every table of the extension as text, for "nothing changed" checks.
fn snapshot(client: &mut Client) -> Vec<(String, String)> {
    TABLES
        .iter()
        .map(|(table, _)| {
            let sql = format!(
                "SELECT coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '') \
                 FROM inventory.{table} t"
            );
            let text: String = client
                .query_one(&sql, &[])
                .unwrap_or_else(|e| panic!("`{sql}` failed: {}", describe(&e)))
                .get(0);
            (table.to_string(), text)
        })
        .collect()
}

/// A shop: sources s1, s2 (with coordinates) and s3 in stock 2 (priorities 1, 2, 3), sold on
/// the website `web`; SKUs A (10 at s1, 5 at s2) and B (3 at s1); a postal code; and an
/// open order o1 (A 2, B 1).
fn shop(name: &str) -> Client {
    let mut c = fresh_db(name);
    run(
        &mut c,
        r#"
        INSERT INTO inventory.source (source_code, name, country_code, postcode, latitude, longitude)
        VALUES ('s1', 'New York', 'US', '10001', 40.7506, -73.9972),
               ('s2', 'Chicago', 'US', '60601', 41.8855, -87.6221),
               ('s3', 'Los Angeles', 'US', '90001', 33.9731, -118.2479);
        INSERT INTO inventory.stock (name) VALUES ('US');
        INSERT INTO inventory.stock_sales_channel (type, code, stock_id) VALUES ('website', 'web', 2);
        INSERT INTO inventory.stock_source_link (stock_id, source_code, priority)
        VALUES (2, 's1', 1), (2, 's2', 2), (2, 's3', 3);
        INSERT INTO inventory.product (sku, name) VALUES ('A', 'Alpha'), ('B', 'Beta');
        INSERT INTO inventory.source_item (source_code, sku, quantity, status)
        VALUES ('s1', 'A', 10, 1), ('s2', 'A', 5, 1), ('s1', 'B', 3, 1);
        INSERT INTO inventory.geoname (country_code, postcode, city, region, latitude, longitude)
        VALUES ('US', '60601', 'Chicago', 'Illinois', 41.8858, -87.6181);
        SELECT * FROM inventory.place_order('o1', 2, '[{"sku": "A", "qty": 2}, {"sku": "B", "qty": 1}]');
        "#,
    );
    c
}

#[test]
fn reader_reads_every_table_and_view_and_writes_nothing() {
    let db = "security_reader";
    let mut owner = shop(db);
    let role = TestRole::create("inventory_test_reader", &["inventory_reader"], &[db]);
    let mut reader = role.connect(db);
    let before = snapshot(&mut owner);

    let mut reads: Vec<String> = TABLES
        .iter()
        .map(|(t, _)| format!("SELECT * FROM inventory.{t}"))
        .chain(VIEWS.iter().map(|v| format!("SELECT * FROM inventory.{v}")))
        .collect();
    reads.extend(strings(&READING_CALLS));
    let mut problems = expect_allowed(&mut reader, "inventory_reader", &reads);

    let mut refused: Vec<String> = TABLES.iter().flat_map(|(t, c)| writes_to(t, c)).collect();
    refused.extend(strings(&ORDER_CALLS));
    refused.extend(strings(&ADMIN_CALLS));
    refused.push("SELECT nextval('inventory.stock_stock_id_seq')".to_string());
    refused.push("SELECT nextval('inventory.reservation_reservation_id_seq')".to_string());
    problems.extend(expect_denied(
        &mut reader,
        "inventory_reader",
        &refused,
        &[],
    ));

    assert_no_problems(&problems);
    assert_eq!(
        snapshot(&mut owner),
        before,
        "the reader changed the database"
    );
}

#[test]
fn app_runs_the_order_lifecycle_but_writes_no_table() {
    let db = "security_app";
    let mut owner = shop(db);
    let role = TestRole::create("inventory_test_app", &["inventory_app"], &[db]);
    let mut app = role.connect(db);

    // Through the functions, every step of an order works.
    let lifecycle = strings(&[
        "SELECT * FROM inventory.place_order('p1', 2, '[{\"sku\": \"A\", \"qty\": 4}, \
         {\"sku\": \"B\", \"qty\": 2}]', 'inc-p1')",
        "SELECT inventory.ship_order('p1', 'p1-ship', 's1', '[{\"sku\": \"A\", \"qty\": 3}]')",
        "SELECT inventory.refund_order('p1', 'p1-memo', '[{\"sku\": \"A\", \"qty\": 2}]', true)",
        "SELECT inventory.cancel_order('p1', '[{\"sku\": \"B\", \"qty\": 1}]')",
        "SELECT * FROM inventory.ship_order_by_selection('p1')",
        "SELECT inventory.cancel_order('o1')",
    ]);
    let mut problems = expect_allowed(&mut app, "inventory_app", &lifecycle);
    let mut reads = strings(&READING_CALLS);
    reads.extend(
        TABLES
            .iter()
            .map(|(t, _)| format!("SELECT * FROM inventory.{t}")),
    );
    problems.extend(expect_allowed(&mut app, "inventory_app", &reads));
    assert_no_problems(&problems);

    let events: Vec<String> = owner
        .query(
            "SELECT DISTINCT metadata ->> 'event_type' FROM inventory.reservation \
             WHERE order_id = 'p1' ORDER BY 1",
            &[],
        )
        .expect("read the reservations")
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(
        events,
        [
            "creditmemo_created",
            "order_canceled",
            "order_placed",
            "shipment_created"
        ]
    );
    assert_kept_figures_match(&mut owner);

    // But no table, no sequence and no import or bulk function.
    let before = snapshot(&mut owner);
    let mut refused: Vec<String> = TABLES.iter().flat_map(|(t, c)| writes_to(t, c)).collect();
    refused.extend([
        "INSERT INTO inventory.reservation (stock_id, sku, quantity) VALUES (2, 'A', -1)"
            .to_string(),
        "UPDATE inventory.source_item SET quantity = 1000 WHERE sku = 'A'".to_string(),
        "DELETE FROM inventory.order_item WHERE order_id = 'p1'".to_string(),
        "UPDATE inventory.stock_sku SET reserved = 0".to_string(),
        "INSERT INTO inventory.source_item_import VALUES ('s1', 'A', 1, 99)".to_string(),
        "SELECT nextval('inventory.reservation_reservation_id_seq')".to_string(),
    ]);
    refused.extend(strings(&ADMIN_CALLS));
    problems.extend(expect_denied(&mut app, "inventory_app", &refused, &[]));
    assert_no_problems(&problems);
    assert_eq!(
        snapshot(&mut owner),
        before,
        "a refused write changed the database"
    );
}

#[test]
fn admin_manages_the_model_but_not_the_ledger() {
    let db = "security_admin";
    let mut owner = shop(db);
    let role = TestRole::create("inventory_test_admin", &["inventory_admin"], &[db]);
    let mut admin = role.connect(db);

    let allowed = strings(&[
        "INSERT INTO inventory.source (source_code, name, country_code, postcode) \
         VALUES ('s4', 'Denver', 'US', '80202')",
        "UPDATE inventory.source SET city = 'Denver', enabled = false WHERE source_code = 's4'",
        "INSERT INTO inventory.stock (name) VALUES ('EU')",
        "INSERT INTO inventory.stock (stock_id, name) OVERRIDING SYSTEM VALUE VALUES (9, 'Nine')",
        "UPDATE inventory.stock SET name = 'Europe' WHERE name = 'EU'",
        "INSERT INTO inventory.stock_sales_channel (code, stock_id) VALUES ('nine_web', 9)",
        "UPDATE inventory.stock_sales_channel SET stock_id = 2 WHERE code = 'nine_web'",
        "INSERT INTO inventory.stock_source_link (stock_id, source_code, priority) \
         VALUES (9, 's4', 1), (9, 's3', 2)",
        "UPDATE inventory.stock_source_link SET priority = 5 WHERE stock_id = 9 \
         AND source_code = 's3'",
        "DELETE FROM inventory.stock_source_link WHERE stock_id = 9 AND source_code = 's3'",
        "INSERT INTO inventory.source_item (source_code, sku, quantity) VALUES ('s3', 'C', 8)",
        "UPDATE inventory.source_item SET quantity = 12 WHERE source_code = 's1' AND sku = 'A'",
        "DELETE FROM inventory.source_item WHERE source_code = 's3' AND sku = 'C'",
        "INSERT INTO inventory.product (sku, backorders, min_qty) VALUES ('C', 1, -5)",
        "UPDATE inventory.product SET max_sale_qty = 50 WHERE sku = 'A'",
        "DELETE FROM inventory.product WHERE sku = 'C'",
        "UPDATE inventory.defaults SET notify_stock_qty = 4, max_sale_qty = 900",
        "INSERT INTO inventory.geoname (country_code, postcode, city, latitude, longitude) \
         VALUES ('US', '80202', 'Denver', 39.7525, -104.9995)",
        "UPDATE inventory.geoname SET region = 'Colorado' WHERE postcode = '80202'",
        "DELETE FROM inventory.geoname WHERE postcode = '80202'",
        "INSERT INTO inventory.source_item_import (source_code, sku, quantity) \
         VALUES ('s2', 'B', 6)",
        "DELETE FROM inventory.stock_source_link WHERE stock_id = 9",
        "DELETE FROM inventory.stock WHERE stock_id = 9",
        "DELETE FROM inventory.source WHERE source_code = 's4'",
    ]);
    let mut problems = expect_allowed(&mut admin, "inventory_admin", &allowed);
    problems.extend(expect_allowed(
        &mut admin,
        "inventory_admin",
        &strings(&ADMIN_CALLS),
    ));
    // The admin is an app too.
    problems.extend(expect_allowed(
        &mut admin,
        "inventory_admin",
        &strings(&[
            "SELECT * FROM inventory.place_order('adm-1', 2, '[{\"sku\": \"A\", \"qty\": 1}]')",
            "SELECT inventory.cancel_order('adm-1')",
        ]),
    ));
    assert_no_problems(&problems);
    assert_kept_figures_match(&mut owner);

    // The ledger and the order books stay the functions' own.
    let before = snapshot(&mut owner);
    let ledger = [
        "reservation",
        "sales_order",
        "order_item",
        "shipment",
        "shipment_item",
        "credit_memo",
        "credit_memo_item",
        "stock_sku",
        "sku_holding",
    ];
    let mut refused: Vec<String> = TABLES
        .iter()
        .filter(|(t, _)| ledger.contains(t))
        .flat_map(|(t, c)| writes_to(t, c))
        .collect();
    refused.extend(
        ADMIN_TABLES
            .iter()
            .map(|t| format!("TRUNCATE inventory.{t}")),
    );
    refused.push(
        "INSERT INTO inventory.reservation (stock_id, sku, quantity) VALUES (2, 'A', -1)"
            .to_string(),
    );
    refused.push("DELETE FROM inventory.source_item_import".to_string());
    problems.extend(expect_denied(&mut admin, "inventory_admin", &refused, &[]));

    // An UPDATE of the reservation ledger is refused either by the grant or by the ledger.
    problems.extend(expect_denied(
        &mut admin,
        "inventory_admin",
        &["UPDATE inventory.reservation SET quantity = -100".to_string()],
        &["IN004"],
    ));
    assert_no_problems(&problems);
    assert_eq!(
        snapshot(&mut owner),
        before,
        "a refused write changed the database"
    );
}

#[test]
fn a_role_without_inventory_roles_is_refused_at_the_schema() {
    let db = "security_no_role";
    let mut owner = shop(db);
    let role = TestRole::create("inventory_test_nobody", &[], &[db]);
    let mut nobody = role.connect(db);
    let before = snapshot(&mut owner);

    let mut attempts: Vec<String> = TABLES
        .iter()
        .map(|(t, _)| format!("SELECT * FROM inventory.{t}"))
        .chain(VIEWS.iter().map(|v| format!("SELECT * FROM inventory.{v}")))
        .collect();
    attempts.extend(TABLES.iter().flat_map(|(t, c)| writes_to(t, c)));
    attempts.extend(strings(&READING_CALLS));
    attempts.extend(strings(&ORDER_CALLS));
    attempts.extend(strings(&ADMIN_CALLS));

    let mut problems = Vec::new();
    for sql in &attempts {
        match refusal(&mut nobody, sql) {
            None => problems.push(format!("a role without grants was allowed `{sql}`")),
            Some(e)
                if e.code().code() == "42501"
                    && e.message() == "permission denied for schema inventory" => {}
            Some(e) => problems.push(format!(
                "`{sql}`: {} {} instead of permission denied for schema inventory",
                e.code().code(),
                e.message()
            )),
        }
    }
    assert_no_problems(&problems);
    assert_eq!(snapshot(&mut owner), before);
}

#[test]
fn public_is_granted_nothing() {
    let mut c = fresh_db("security_public");

    // A NULL ACL means the default privileges, which for a function include EXECUTE for
    // PUBLIC; an entry starting with "=" is a grant to PUBLIC.
    let sql = "
        SELECT 'schema inventory', nspacl::text FROM pg_namespace
         WHERE nspname = 'inventory' AND (nspacl IS NULL OR nspacl::text ~ '[{,]=')
        UNION ALL
        SELECT format('%s %s', CASE relkind WHEN 'S' THEN 'sequence' WHEN 'v' THEN 'view'
                                            ELSE 'table' END, oid::regclass),
               coalesce(relacl::text, 'NULL (default privileges)')
          FROM pg_class
         WHERE relnamespace = 'inventory'::regnamespace AND relkind IN ('r', 'v', 'S', 'm', 'p')
           AND (relacl IS NULL OR relacl::text ~ '[{,]=')
        UNION ALL
        SELECT format('function %s', oid::regprocedure),
               coalesce(proacl::text, 'NULL (PUBLIC may execute)')
          FROM pg_proc
         WHERE pronamespace = 'inventory'::regnamespace
           AND (proacl IS NULL OR proacl::text ~ '[{,]=')
        ORDER BY 1";
    let open: Vec<String> = c
        .query(sql, &[])
        .unwrap_or_else(|e| panic!("`{sql}` failed: {}", describe(&e)))
        .iter()
        .map(|r| format!("{}: {}", r.get::<_, String>(0), r.get::<_, String>(1)))
        .collect();
    assert!(
        open.is_empty(),
        "objects of the extension PUBLIC may use:\n  {}",
        open.join("\n  ")
    );
}

#[test]
fn every_function_that_runs_sql_pins_its_search_path() {
    let mut c = fresh_db("security_pinned_paths");

    // SECURITY DEFINER functions, and every SQL or PL/pgSQL function (they all run queries),
    // must set search_path to pg_catalog first and pg_temp last. The C functions that run
    // SPI carry the same setting, or pin it in their body; those that do not (pure
    // computations) need none. The one exception is select_sources, a SQL wrapper that
    // PostgreSQL inlines into the calling query (a SET clause would forbid that): its body
    // is one call naming everything by schema, and the shadowing test below calls it with
    // an attacker's search_path.
    let sql = "
        SELECT p.oid::regprocedure::text, l.lanname, p.prosecdef,
               coalesce(array_to_string(p.proconfig, '; '), '(none)')
          FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
         WHERE p.pronamespace = 'inventory'::regnamespace
           AND (p.prosecdef OR l.lanname IN ('sql', 'plpgsql'))
           AND NOT coalesce('search_path=pg_catalog, inventory, pg_temp' = ANY (p.proconfig),
                            false)
           AND p.oid <> 'inventory.select_sources(integer, jsonb, text, jsonb)'::regprocedure
         ORDER BY 1";
    let loose: Vec<String> = c
        .query(sql, &[])
        .unwrap_or_else(|e| panic!("`{sql}` failed: {}", describe(&e)))
        .iter()
        .map(|r| {
            format!(
                "{} ({}, security definer {}): {}",
                r.get::<_, String>(0),
                r.get::<_, String>(1),
                r.get::<_, bool>(2),
                r.get::<_, String>(3)
            )
        })
        .collect();
    assert!(
        loose.is_empty(),
        "functions without the pinned search_path:\n  {}",
        loose.join("\n  ")
    );

    // The wrapper has nothing that could resolve through the search_path.
    let body: String = c
        .query_one(
            "SELECT prosrc FROM pg_proc \
             WHERE oid = 'inventory.select_sources(integer, jsonb, text, jsonb)'::regprocedure",
            &[],
        )
        .expect("read pg_proc")
        .get(0);
    assert_eq!(
        body.split_whitespace().collect::<Vec<_>>().join(" "),
        "SELECT * FROM inventory.select_sources_text(stock_id, items::pg_catalog.text, \
         algorithm, destination::pg_catalog.text);",
        "select_sources is no longer a wrapper whose every name is qualified"
    );

    // The SPI-running C functions by name (select_sources_text pins its path in its body:
    // the shadowing test calls it directly).
    for name in [
        "import_source_items",
        "import_legacy_catalog",
        "import_geonames",
    ] {
        let pinned: bool = c
            .query_one(
                "SELECT bool_and(coalesce('search_path=pg_catalog, inventory, pg_temp' \
                 = ANY (proconfig), false)) FROM pg_proc \
                 WHERE pronamespace = 'inventory'::regnamespace AND proname = $1",
                &[&name],
            )
            .expect("read pg_proc")
            .get(0);
        assert!(pinned, "inventory.{name} does not pin its search_path");
    }
}

/// Functions and operators that shadow, for a session putting `evil` first, what the
/// extension's SQL calls. Each one logs its name to evil.log and raises a WARNING, then
/// returns nonsense.
const EVIL_SCHEMA: &str = r#"
CREATE SCHEMA evil;
GRANT USAGE ON SCHEMA evil TO PUBLIC;
CREATE TABLE evil.log (fn text, at timestamptz DEFAULT clock_timestamp());
GRANT INSERT, SELECT ON evil.log TO PUBLIC;
CREATE FUNCTION evil.ran(name text) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO evil.log (fn) VALUES (name);
    RAISE WARNING 'evil % ran', name;
END $$;
CREATE FUNCTION evil.lower(text) RETURNS text LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('lower'); RETURN 'pwned'; END $$;
CREATE FUNCTION evil.upper(text) RETURNS text LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('upper'); RETURN 'PWNED'; END $$;
CREATE FUNCTION evil.length(text) RETURNS integer LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('length'); RETURN 1; END $$;
CREATE FUNCTION evil.btrim(text) RETURNS text LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('btrim'); RETURN 'x'; END $$;
CREATE FUNCTION evil.round(numeric, integer) RETURNS numeric LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('round'); RETURN 0; END $$;
CREATE FUNCTION evil.abs(numeric) RETURNS numeric LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('abs'); RETURN 0; END $$;
CREATE FUNCTION evil.format(text) RETURNS text LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('format'); RETURN 'pwned'; END $$;
CREATE FUNCTION evil.format(text, VARIADIC text[]) RETURNS text LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('format'); RETURN 'pwned'; END $$;
CREATE FUNCTION evil.unnest(text[]) RETURNS SETOF text LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('unnest(text[])'); RETURN NEXT 'pwned'; END $$;
CREATE FUNCTION evil.unnest(numeric[]) RETURNS SETOF numeric LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('unnest(numeric[])'); RETURN NEXT 0; END $$;
CREATE FUNCTION evil.unnest(integer[]) RETURNS SETOF integer LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('unnest(integer[])'); RETURN NEXT 0; END $$;
CREATE FUNCTION evil.jsonb_build_object(VARIADIC text[]) RETURNS jsonb LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('jsonb_build_object'); RETURN '{"pwned": true}'; END $$;
CREATE FUNCTION evil.jsonb_array_length(jsonb) RETURNS integer LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('jsonb_array_length'); RETURN 0; END $$;
CREATE FUNCTION evil.jsonb_path_exists(jsonb, jsonpath) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('jsonb_path_exists'); RETURN false; END $$;
CREATE FUNCTION evil.jsonb_typeof(jsonb) RETURNS text LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('jsonb_typeof'); RETURN 'object'; END $$;
CREATE FUNCTION evil.pg_notify(text, text) RETURNS void LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('pg_notify'); END $$;
CREATE FUNCTION evil.now() RETURNS timestamptz LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('now'); RETURN 'epoch'; END $$;
CREATE FUNCTION evil.array_position(anyarray, anyelement) RETURNS integer LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('array_position'); RETURN NULL; END $$;
CREATE FUNCTION evil.cardinality(anyarray) RETURNS integer LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('cardinality'); RETURN 0; END $$;
CREATE FUNCTION evil.sum_step(numeric, numeric) RETURNS numeric LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('sum(numeric)'); RETURN 0; END $$;
CREATE AGGREGATE evil.sum(numeric) (SFUNC = evil.sum_step, STYPE = numeric);
CREATE FUNCTION evil.count_step(bigint) RETURNS bigint LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('count(*)'); RETURN 0; END $$;
CREATE AGGREGATE evil.count(*) (SFUNC = evil.count_step, STYPE = bigint);
CREATE FUNCTION evil.text_eq(text, text) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('=(text,text)'); RETURN true; END $$;
CREATE OPERATOR evil.= (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.text_eq);
CREATE FUNCTION evil.int_eq(integer, integer) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('=(integer,integer)'); RETURN true; END $$;
CREATE OPERATOR evil.= (LEFTARG = integer, RIGHTARG = integer, FUNCTION = evil.int_eq);
CREATE FUNCTION evil.num_plus(numeric, numeric) RETURNS numeric LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('+(numeric,numeric)'); RETURN 424242; END $$;
CREATE OPERATOR evil.+ (LEFTARG = numeric, RIGHTARG = numeric, FUNCTION = evil.num_plus);
CREATE FUNCTION evil.num_minus(numeric, numeric) RETURNS numeric LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('-(numeric,numeric)'); RETURN -424242; END $$;
CREATE OPERATOR evil.- (LEFTARG = numeric, RIGHTARG = numeric, FUNCTION = evil.num_minus);
CREATE FUNCTION evil.num_neg(numeric) RETURNS numeric LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('-(numeric)'); RETURN 424242; END $$;
CREATE OPERATOR evil.- (RIGHTARG = numeric, FUNCTION = evil.num_neg);
CREATE FUNCTION evil.num_gt(numeric, numeric) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('>(numeric,numeric)'); RETURN false; END $$;
CREATE OPERATOR evil.> (LEFTARG = numeric, RIGHTARG = numeric, FUNCTION = evil.num_gt);
CREATE FUNCTION evil.num_lt(numeric, numeric) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('<(numeric,numeric)'); RETURN false; END $$;
CREATE OPERATOR evil.< (LEFTARG = numeric, RIGHTARG = numeric, FUNCTION = evil.num_lt);
CREATE FUNCTION evil.text_match(text, text) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('~(text,text)'); RETURN false; END $$;
CREATE OPERATOR evil.~ (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.text_match);
CREATE FUNCTION evil.text_nomatch(text, text) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('!~(text,text)'); RETURN true; END $$;
CREATE OPERATOR evil.!~ (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.text_nomatch);
CREATE FUNCTION evil.text_cat(text, text) RETURNS text LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('||(text,text)'); RETURN 'pwned'; END $$;
CREATE OPERATOR evil.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = evil.text_cat);
CREATE FUNCTION evil.jsonb_field(jsonb, text) RETURNS text LANGUAGE plpgsql
    AS $$ BEGIN PERFORM evil.ran('->>(jsonb,text)'); RETURN 'pwned'; END $$;
CREATE OPERATOR evil.->> (LEFTARG = jsonb, RIGHTARG = text, FUNCTION = evil.jsonb_field);
"#;

const EVIL_PATH: &str = "SET search_path = evil, pg_catalog, public, inventory";

/// One step of the attack scenario: a query whose rows are read as text (`t::text` of each
/// row, so that the query itself needs no operator a shadow could replace).
struct Step {
    who: usize,
    sql: &'static str,
}

/// What the app (0) and the admin (1) do, in order.
const SCENARIO: [Step; 23] = [
    Step {
        who: 0,
        sql: "SELECT t::pg_catalog.text FROM inventory.place_order('p1', 2, \
        '[{\"sku\": \"A\", \"qty\": 4}, {\"sku\": \"b\", \"qty\": 2}]', 'inc-p1') t",
    },
    Step {
        who: 0,
        sql: "SELECT inventory.get_product_salable_qty('A', 2)::pg_catalog.text",
    },
    Step {
        who: 0,
        sql: "SELECT inventory.is_product_salable('B', 2)::pg_catalog.text",
    },
    Step {
        who: 0,
        sql: "SELECT t::pg_catalog.text \
        FROM inventory.is_product_salable_for_requested_qty('A', 2, 100) t",
    },
    Step {
        who: 0,
        sql: "SELECT inventory.stock_by_sales_channel('web')::pg_catalog.text",
    },
    Step {
        who: 0,
        sql: "SELECT t::pg_catalog.text FROM inventory.select_sources(2, \
        '[{\"sku\": \"A\", \"qty\": 12}, {\"sku\": \"B\", \"qty\": 9}]') t",
    },
    Step {
        who: 0,
        sql: "SELECT t::pg_catalog.text FROM inventory.select_sources(2, \
        '[{\"sku\": \"A\", \"qty\": 3}]', 'distance', \
        '{\"country\": \"US\", \"postcode\": \"60601\"}') t",
    },
    Step {
        who: 0,
        sql: "SELECT t::pg_catalog.text FROM inventory.select_sources(2, \
        '[{\"sku\": \"A\", \"qty\": 3}]', 'distance', \
        '{\"country\": \"US\", \"city\": \"chicago\"}') t",
    },
    Step {
        who: 0,
        sql: "SELECT t::pg_catalog.text FROM inventory.select_sources_text(2, \
        '[{\"sku\": \"A\", \"qty\": 3}]', 'distance', \
        '{\"country\": \"US\", \"region\": \"illinois\"}') t",
    },
    Step {
        who: 0,
        sql: "SELECT inventory.ship_order('p1', 'p1-ship', 's1', \
        '[{\"sku\": \"A\", \"qty\": 3}]')::pg_catalog.text",
    },
    Step {
        who: 0,
        sql: "SELECT inventory.ship_order('p1', 'p1-ship', 's1', \
        '[{\"sku\": \"A\", \"qty\": 3}]')::pg_catalog.text",
    },
    Step {
        who: 0,
        sql: "SELECT inventory.refund_order('p1', 'p1-memo', \
        '[{\"sku\": \"A\", \"qty\": 2}]', true)::pg_catalog.text",
    },
    Step {
        who: 0,
        sql: "SELECT inventory.cancel_order('p1', \
        '[{\"sku\": \"B\", \"qty\": 1}]')::pg_catalog.text",
    },
    Step {
        who: 0,
        sql: "SELECT inventory.cancel_order('p1')::pg_catalog.text",
    },
    Step {
        who: 0,
        sql: "SELECT t::pg_catalog.text FROM inventory.place_order('p2', 2, \
        '[{\"sku\": \"A\", \"qty\": 11}]') t",
    },
    Step {
        who: 0,
        sql: "SELECT t::pg_catalog.text FROM inventory.ship_order_by_selection('p2') t",
    },
    Step {
        who: 0,
        sql: "SELECT t::pg_catalog.text FROM inventory.place_order('p3', 2, \
        '[{\"sku\": \"A\", \"qty\": 1000}]') t",
    },
    Step {
        who: 1,
        sql: "SELECT t::pg_catalog.text FROM inventory.import_source_items(\
        E'source_code,sku,status,quantity\\ns2,C,1,7\\ns3,C,1,2\\ns1,B,1,1\\n') t",
    },
    Step {
        who: 1,
        sql: "SELECT inventory.bulk_transfer(ARRAY['C'], 's3', 's1')::pg_catalog.text",
    },
    Step {
        who: 1,
        sql: "SELECT inventory.partial_transfer('s2', 's1', \
        '[{\"sku\": \"C\", \"qty\": 3}]')::pg_catalog.text",
    },
    // The test's own comparisons name pg_catalog's operator: only the extension is on trial.
    Step {
        who: 1,
        sql: "WITH w AS (UPDATE inventory.source_item SET quantity = 0.5 \
        WHERE source_code OPERATOR(pg_catalog.=) 's1' AND sku OPERATOR(pg_catalog.=) 'B' \
        RETURNING 1) SELECT 'updated'::pg_catalog.text FROM w",
    },
    Step {
        who: 1,
        sql: "SELECT inventory.cleanup_reservations()::pg_catalog.text",
    },
    Step {
        who: 1,
        sql: "SELECT t::pg_catalog.text FROM inventory.reservation_inconsistencies() t",
    },
];

/// Runs the scenario, each step's rows or error as one line of text; `after_step` is asked
/// after each step what it may have set off, and its answer goes with the step.
fn play(
    sessions: &mut [Client; 2],
    after_step: &mut dyn FnMut() -> Vec<String>,
) -> Vec<(String, Vec<String>)> {
    SCENARIO
        .iter()
        .map(|step| {
            let result = match sessions[step.who].simple_query(step.sql) {
                Ok(messages) => {
                    let rows: Vec<String> = messages
                        .iter()
                        .filter_map(|m| match m {
                            SimpleQueryMessage::Row(row) => {
                                Some(row.get(0).unwrap_or("NULL").to_string())
                            }
                            _ => None,
                        })
                        .collect();
                    format!("{}\n  -> {}", step.sql, rows.join(" | "))
                }
                Err(e) => format!(
                    "{}\n  -> error {}",
                    step.sql,
                    e.as_db_error()
                        .map(|d| format!("{} {}", d.code().code(), d.message()))
                        .unwrap_or_else(|| e.to_string())
                ),
            };
            (result, after_step())
        })
        .collect()
}

/// Every row of every table as JSON text without its timestamps, which differ between runs.
fn contents(client: &mut Client) -> Vec<String> {
    TABLES
        .iter()
        .map(|(table, _)| {
            let sql = format!(
                "SELECT coalesce(string_agg(j, E'\\n' ORDER BY j), '') FROM \
                 (SELECT (to_jsonb(t) - 'created_at')::text AS j FROM inventory.{table} t) x"
            );
            let text: String = client
                .query_one(&sql, &[])
                .unwrap_or_else(|e| panic!("`{sql}` failed: {}", describe(&e)))
                .get(0);
            format!("{table}:\n{text}")
        })
        .collect()
}

/// A connection as `role` whose WARNING and NOTICE messages are collected.
fn connect_listening(db: &str, role: &str, heard: &Arc<Mutex<Vec<String>>>) -> Client {
    let heard = Arc::clone(heard);
    config(db, Some(role))
        .notice_callback(move |notice| {
            heard.lock().expect("notice list").push(format!(
                "{}: {}",
                notice.severity(),
                notice.message()
            ));
        })
        .connect(NoTls)
        .unwrap_or_else(|e| panic!("connecting to {db} as {role}: {}", describe(&e)))
}

#[test]
fn shadowing_functions_and_operators_on_the_search_path_are_never_called() {
    let (clean_db, evil_db) = ("security_path_clean", "security_path_evil");
    let mut clean_owner = shop(clean_db);
    let mut evil_owner = shop(evil_db);
    let app = TestRole::create(
        "inventory_test_path_app",
        &["inventory_app"],
        &[clean_db, evil_db],
    );
    let admin = TestRole::create(
        "inventory_test_path_admin",
        &["inventory_admin"],
        &[clean_db, evil_db],
    );
    run(
        &mut evil_owner,
        &format!("GRANT CREATE ON DATABASE {evil_db} TO {}", app.name),
    );
    let mut setup = app.connect(evil_db);
    run(&mut setup, EVIL_SCHEMA);
    drop(setup);

    // The clean run: the same roles, the default search_path.
    let mut clean = [app.connect(clean_db), admin.connect(clean_db)];
    let clean_results = play(&mut clean, &mut Vec::new);

    // The attacked run. First prove the trap is armed in both sessions.
    let heard = Arc::new(Mutex::new(Vec::new()));
    let mut evil = [
        connect_listening(evil_db, &app.name, &heard),
        connect_listening(evil_db, &admin.name, &heard),
    ];
    for session in evil.iter_mut() {
        run(session, EVIL_PATH);
        let row = session
            .query_one(
                "SELECT lower('X'), 'a'::text = 'b'::text, (1::numeric + 1::numeric)::text",
                &[],
            )
            .expect("call the shadows directly");
        let (lowered, equal, sum): (String, bool, String) = (row.get(0), row.get(1), row.get(2));
        assert_eq!(
            (lowered.as_str(), equal, sum.as_str()),
            ("pwned", true, "424242"),
            "the shadowing functions are not in effect, so the test proves nothing"
        );
    }
    run(&mut evil_owner, "TRUNCATE evil.log");
    heard.lock().expect("notice list").clear();

    let mut logged = 0;
    let evil_results = play(&mut evil, &mut || {
        let log: Vec<String> = evil_owner
            .query("SELECT fn FROM evil.log ORDER BY at", &[])
            .expect("read evil.log")
            .iter()
            .map(|r| r.get(0))
            .collect();
        let mut ran = log[logged.min(log.len())..].to_vec();
        logged = log.len();
        let mut heard = heard.lock().expect("notice list");
        ran.extend(heard.drain(..).filter(|w| w.contains("evil")));
        ran
    });

    let hijacked: Vec<String> = evil_results
        .iter()
        .filter(|(_, ran)| !ran.is_empty())
        .map(|(step, ran)| format!("{step}\n  set off {ran:?}"))
        .collect();
    assert!(
        hijacked.is_empty(),
        "the extension called shadowing objects:\n{}",
        hijacked.join("\n")
    );
    for (i, ((clean_step, _), (evil_step, _))) in
        clean_results.iter().zip(&evil_results).enumerate()
    {
        assert_eq!(evil_step, clean_step, "step {i} differs under the attack");
    }
    assert_eq!(
        contents(&mut evil_owner),
        contents(&mut clean_owner),
        "the attacked database ended differently"
    );
    assert_kept_figures_match(&mut evil_owner);
}
