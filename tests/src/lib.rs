//! Harness for the integration tests of `inventory`: real client connections to a
//! PostgreSQL 15 server that has the extension installed.
//!
//! `scripts/test.sh` installs the extension, starts a private cluster and names it
//! through `INVENTORY_PGHOST` (a socket directory, or a host name), `INVENTORY_PGPORT`
//! and `INVENTORY_PGUSER`. Without them every test fails; none is skipped.
//!
//! Each test works in a database of its own (`fresh_db("name_of_the_test")`), so the
//! tests run in parallel without seeing or blocking each other's rows.

use std::any::Any;
use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Barrier, Mutex};
use std::thread;
use std::time::Duration;

pub use postgres;
use postgres::error::DbError;
use postgres::types::ToSql;
use postgres::{Client, Config, GenericClient, NoTls};

const ENV_HOST: &str = "INVENTORY_PGHOST";
const ENV_PORT: &str = "INVENTORY_PGPORT";
const ENV_USER: &str = "INVENTORY_PGUSER";

fn required_env(name: &str) -> String {
    match std::env::var(name) {
        Ok(value) if !value.is_empty() => value,
        _ => panic!(
            "{name} is not set. The integration tests need a running PostgreSQL 15 with \
             the extension installed: run them with scripts/test.sh, which installs it, \
             starts a private cluster and sets {ENV_HOST}, {ENV_PORT} and {ENV_USER}"
        ),
    }
}

/// Connects to database `db` of the server named by the `INVENTORY_PG*` variables.
///
/// Panics, saying how to run the tests, when a variable is missing, and panics with
/// the server's answer when the connection fails.
pub fn connect(db: &str) -> Client {
    let host = required_env(ENV_HOST);
    let port_text = required_env(ENV_PORT);
    let user = required_env(ENV_USER);
    let port: u16 = port_text
        .parse()
        .unwrap_or_else(|_| panic!("{ENV_PORT}={port_text:?} is not a port number"));

    Config::new()
        .host(&host)
        .port(port)
        .user(&user)
        .dbname(db)
        .application_name("inventory-tests")
        .connect_timeout(Duration::from_secs(10))
        .connect(NoTls)
        .unwrap_or_else(|e| {
            panic!(
                "cannot connect to database {db:?} (host {host}, port {port}, user {user}): {}",
                describe(&e)
            )
        })
}

static EXTENSION_SETUP: Mutex<()> = Mutex::new(());

/// Drops database `name` if it exists (terminating any connection left to it),
/// creates it empty, runs `CREATE EXTENSION inventory` in it and returns a client
/// connected to it.
///
/// `name` must be a plain lower-case identifier; give every test its own (its function
/// name), since tests run in parallel.
pub fn fresh_db(name: &str) -> Client {
    assert!(
        is_plain_identifier(name),
        "database name {name:?}: use lower-case letters, digits and _ (at most 63)"
    );

    let mut admin = connect("postgres");
    for sql in [
        format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
        format!("CREATE DATABASE {name} TEMPLATE template0"),
    ] {
        admin
            .batch_execute(&sql)
            .unwrap_or_else(|e| panic!("`{sql}` failed: {}", describe(&e)));
    }
    drop(admin);

    // One CREATE EXTENSION at a time: the extension script creates cluster-wide
    // roles, and two scripts racing in parallel tests collide on them (23505 on
    // pg_authid). Test binaries run one after another, so a process-wide lock is enough.
    let _one_at_a_time = EXTENSION_SETUP.lock().unwrap_or_else(|p| p.into_inner());
    let mut client = connect(name);
    client
        .batch_execute("CREATE EXTENSION inventory")
        .unwrap_or_else(|e| {
            panic!(
                "CREATE EXTENSION inventory in {name} failed: {}",
                describe(&e)
            )
        });
    client
}

fn is_plain_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_lowercase() || c == '_');
    first_ok
        && name.len() <= 63
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// The repository's root folder (the parent of the `tests` crate).
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate lives inside the repository")
        .to_path_buf()
}

/// The absolute path of `rel` inside the project's shared data, which lies at
/// `../shared/data` next to the repository. Panics when the file is not there.
pub fn shared_data(rel: &str) -> PathBuf {
    let path = repo_root().join("../shared/data").join(rel);
    path.canonicalize().unwrap_or_else(|e| {
        panic!(
            "shared data {} is missing ({e}); the tests expect the project's shared data \
             at ../shared/data next to the repository",
            path.display()
        )
    })
}

/// The version of the root package `inventory`, read from the repository's
/// Cargo.toml when called: the version `CREATE EXTENSION inventory` must install.
pub fn root_package_version() -> String {
    let path = repo_root().join("Cargo.toml");
    let manifest =
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    package_version(&manifest)
        .unwrap_or_else(|| panic!("no [package] version in {}", path.display()))
}

/// The `[package]` version of a Cargo manifest, following `version.workspace = true`
/// to `[workspace.package]`. A line-based reading, enough for our own manifest.
fn package_version(manifest: &str) -> Option<String> {
    let mut table = "";
    let mut own = None;
    let mut inherited = false;
    let mut workspace = None;

    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            table = line;
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            continue;
        };
        match (table, key.trim(), value.trim()) {
            ("[package]", "version", value) if value.contains("workspace") => inherited = true,
            ("[package]", "version", value) => own = quoted(value),
            ("[package]", "version.workspace", _) => inherited = true,
            ("[workspace.package]", "version", value) => workspace = quoted(value),
            _ => {}
        }
    }

    if inherited {
        workspace
    } else {
        own
    }
}

fn quoted(value: &str) -> Option<String> {
    let rest = value.strip_prefix('"')?;
    rest.split_once('"').map(|(inner, _)| inner.to_string())
}

/// A readable account of a client error: for a server error its SQLSTATE, message,
/// detail, hint and context; otherwise the error itself.
pub fn describe(error: &postgres::Error) -> String {
    let Some(db) = error.as_db_error() else {
        return error.to_string();
    };

    let mut text = format!("{} {}: {}", db.severity(), db.code().code(), db.message());
    for (label, part) in [
        ("DETAIL", db.detail()),
        ("HINT", db.hint()),
        ("CONTEXT", db.where_()),
    ] {
        if let Some(part) = part {
            let _ = write!(text, "\n{label}: {part}");
        }
    }
    text
}

/// Checks that the figures the extension keeps per (stock, SKU) equal a full
/// recomputation, as reported by `inventory.figure_differences()`; panics listing
/// every difference otherwise. Works on a `Client` or inside a `Transaction`.
#[track_caller]
pub fn assert_kept_figures_match(client: &mut impl GenericClient) {
    let sql = "SELECT * FROM inventory.figure_differences() ORDER BY 1, 2, 3";
    let rows = client
        .query(sql, &[])
        .unwrap_or_else(|e| panic!("`{sql}` failed: {}", describe(&e)));
    if rows.is_empty() {
        return;
    }

    let mut report = format!(
        "{} kept figure(s) differ from a full recomputation:",
        rows.len()
    );
    for row in &rows {
        let stock_id: Option<i32> = row.get("stock_id");
        let sku: Option<String> = row.get("sku");
        let field: Option<String> = row.get("field");
        let kept: Option<String> = row.get("kept");
        let recomputed: Option<String> = row.get("recomputed");
        let _ = write!(
            report,
            "\n  stock {}, SKU {}, {}: kept {}, recomputed {}",
            shown(stock_id),
            shown(sku),
            shown(field),
            shown(kept),
            shown(recomputed),
        );
    }
    panic!("{report}");
}

/// The end of every scenario: the kept figures equal a full recomputation
/// ([`assert_kept_figures_match`]) and every order's reservations equal what its lines
/// still hold (`inventory.reservation_inconsistencies()` is empty). `when` says in the
/// failure message which moment was checked ("round 3", say), or is empty.
#[track_caller]
pub fn assert_books_balance(client: &mut impl GenericClient, when: &str) {
    assert_kept_figures_match(client);

    let sql = "SELECT stock_id, sku, order_id, expected::text, actual::text, problem \
               FROM inventory.reservation_inconsistencies()";
    let rows = client
        .query(sql, &[])
        .unwrap_or_else(|e| panic!("`{sql}` failed: {}", describe(&e)));
    let found: Vec<String> = rows
        .iter()
        .map(|r| {
            format!(
                "stock {:?} SKU {:?} order {:?}: expected {:?}, actual {:?} ({:?})",
                r.get::<_, Option<i32>>(0),
                r.get::<_, Option<String>>(1),
                r.get::<_, Option<String>>(2),
                r.get::<_, Option<String>>(3),
                r.get::<_, Option<String>>(4),
                r.get::<_, Option<String>>(5),
            )
        })
        .collect();
    let when = if when.is_empty() {
        String::new()
    } else {
        format!("{when}: ")
    };
    assert!(
        found.is_empty(),
        "{when}reservation inconsistencies:\n{}",
        found.join("\n")
    );
}

/// Runs statements (simple protocol) that must succeed; panics naming them otherwise.
#[track_caller]
pub fn run(client: &mut impl GenericClient, sql: &str) {
    client
        .batch_execute(sql)
        .unwrap_or_else(|e| panic!("`{sql}` failed: {}", describe(&e)));
}

/// The `bigint` a one-row, one-column query returns (a `count(*)`, say).
#[track_caller]
pub fn count(client: &mut impl GenericClient, sql: &str) -> i64 {
    client
        .query_one(sql, &[])
        .unwrap_or_else(|e| panic!("`{sql}` failed: {}", describe(&e)))
        .get(0)
}

/// Every table of the extension that holds rows, the kept figures last.
pub const DATA_TABLES: [&str; 17] = [
    "source",
    "stock",
    "stock_sales_channel",
    "stock_source_link",
    "source_item",
    "product",
    "defaults",
    "geoname",
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

fn shown<T: std::fmt::Debug>(value: Option<T>) -> String {
    value.map_or_else(|| "NULL".to_string(), |v| format!("{v:?}"))
}

/// Runs `sql` (one or more statements, simple protocol) expecting it to fail with
/// `sqlstate` (five characters, e.g. "23514"), and returns the server's error for
/// further checks of message and detail. Panics if it succeeds or fails otherwise.
///
/// Inside a `Transaction` the transaction is aborted afterwards, as after any error.
#[track_caller]
pub fn expect_error(client: &mut impl GenericClient, sql: &str, sqlstate: &str) -> DbError {
    match client.batch_execute(sql) {
        Ok(()) => panic!("expected SQLSTATE {sqlstate} from `{sql}`, but it succeeded"),
        Err(e) => matching_error(e, sql, sqlstate),
    }
}

/// Like [`expect_error`] for one statement with parameters (`$1`, `$2`, ...).
#[track_caller]
pub fn expect_error_params(
    client: &mut impl GenericClient,
    sql: &str,
    params: &[&(dyn ToSql + Sync)],
    sqlstate: &str,
) -> DbError {
    match client.query(sql, params) {
        Ok(rows) => panic!(
            "expected SQLSTATE {sqlstate} from `{sql}`, but it succeeded with {} row(s)",
            rows.len()
        ),
        Err(e) => matching_error(e, sql, sqlstate),
    }
}

#[track_caller]
fn matching_error(error: postgres::Error, sql: &str, sqlstate: &str) -> DbError {
    match error.as_db_error() {
        Some(db) if db.code().code() == sqlstate => db.clone(),
        Some(_) => panic!(
            "expected SQLSTATE {sqlstate} from `{sql}`, got {}",
            describe(&error)
        ),
        None => panic!("expected SQLSTATE {sqlstate} from `{sql}`, got a client error: {error}"),
    }
}

/// Runs `n` clients at once: opens `n` connections to `db`, then runs `f(i, client)`
/// for each `i` in `0..n` on its own thread, all released together by a barrier.
/// Returns the results in the order of `i`; if any thread panics, panics once all have
/// finished, with every thread's message.
pub fn run_concurrently<T, F>(db: &str, n: usize, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize, &mut Client) -> T + Sync,
{
    run_concurrently_with_barrier(db, n, |i, client, _| f(i, client))
}

/// Like [`run_concurrently`], and hands every thread the shared barrier for further
/// meeting points (say, all hold their row locks, then all commit). Every thread must
/// call `barrier.wait()` equally often, or the others wait forever; keep waits before
/// anything that may panic.
pub fn run_concurrently_with_barrier<T, F>(db: &str, n: usize, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(usize, &mut Client, &Barrier) -> T + Sync,
{
    // Connect before spawning, so that a failed connection cannot leave the other
    // threads waiting at the barrier.
    let clients: Vec<Client> = (0..n).map(|_| connect(db)).collect();
    let barrier = Barrier::new(n);

    thread::scope(|scope| {
        let handles: Vec<_> = clients
            .into_iter()
            .enumerate()
            .map(|(i, mut client)| {
                let (barrier, f) = (&barrier, &f);
                thread::Builder::new()
                    .name(format!("client-{i}"))
                    .spawn_scoped(scope, move || {
                        barrier.wait();
                        f(i, &mut client, barrier)
                    })
                    .expect("spawn a client thread")
            })
            .collect();

        let mut results = Vec::with_capacity(n);
        let mut failures = String::new();
        for (i, handle) in handles.into_iter().enumerate() {
            match handle.join() {
                Ok(result) => results.push(result),
                Err(payload) => {
                    let _ = write!(failures, "\n  client {i}: {}", panic_message(&*payload));
                }
            }
        }
        if !failures.is_empty() {
            panic!("client thread(s) panicked:{failures}");
        }
        results
    })
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        text.to_string()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "(no message)".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_version_reads_the_package_table_only() {
        let manifest = "[package]\nname = \"x\"\nversion = \"1.2.3\" # comment\n\n\
                        [dependencies]\nversion = \"9\"\n";
        assert_eq!(package_version(manifest).as_deref(), Some("1.2.3"));
    }

    #[test]
    fn package_version_follows_the_workspace() {
        let manifest = "[package]\nversion.workspace = true\n\n\
                        [workspace.package]\nversion = \"0.4.0\"\n";
        assert_eq!(package_version(manifest).as_deref(), Some("0.4.0"));
    }

    #[test]
    fn database_names_must_be_plain_identifiers() {
        assert!(is_plain_identifier("smoke_extversion2"));
        assert!(!is_plain_identifier("Smoke"));
        assert!(!is_plain_identifier("1abc"));
        assert!(!is_plain_identifier("a;drop"));
        assert!(!is_plain_identifier(&"a".repeat(64)));
    }
}
