//! The installed extension can be created, and the harness itself behaves.

use inventory_tests::{expect_error, fresh_db, root_package_version, run_concurrently};

#[test]
fn create_extension_installs_the_version_of_the_root_package() {
    let mut client = fresh_db("smoke_extension_version");

    let row = client
        .query_one(
            "SELECT e.extversion,
                    EXISTS (SELECT 1 FROM pg_depend d
                             WHERE d.refclassid = 'pg_extension'::regclass
                               AND d.refobjid = e.oid AND d.deptype = 'e'
                               AND d.classid = 'pg_namespace'::regclass
                               AND d.objid = 'inventory'::regnamespace)
               FROM pg_extension e WHERE e.extname = 'inventory'",
            &[],
        )
        .expect("read pg_extension");
    let (version, schema_is_member): (String, bool) = (row.get(0), row.get(1));

    assert_eq!(
        version,
        root_package_version(),
        "installed extension is not the one of Cargo.toml (scripts/test.sh reinstalls it)"
    );
    assert!(
        schema_is_member,
        "the schema inventory is not a member of the extension"
    );
}

#[test]
fn expect_error_returns_the_server_error() {
    let mut client = fresh_db("smoke_expect_error");

    let error = expect_error(&mut client, "SELECT 1 / 0", "22012");

    assert_eq!(error.message(), "division by zero");
}

#[test]
fn clients_run_at_once_on_their_own_connections() {
    fresh_db("smoke_concurrency");

    let pids = run_concurrently("smoke_concurrency", 8, |_, client| {
        let row = client
            .query_one("SELECT pg_backend_pid()", &[])
            .expect("ask for the backend pid");
        row.get::<_, i32>(0)
    });

    let mut distinct = pids.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert_eq!(distinct.len(), 8, "backend pids {pids:?}");
}
