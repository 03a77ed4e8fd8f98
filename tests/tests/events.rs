//! Stock events (behaviour.md section 6): a listening connection hears, after the other
//! connection commits, of every source item that entered low stock and every (stock, SKU)
//! whose salability changed; never of work that rolled back.

use std::time::Duration;

use inventory_tests::postgres::fallible_iterator::FallibleIterator;
use inventory_tests::postgres::Client;
use inventory_tests::{assert_kept_figures_match, connect, describe, fresh_db, run};
use serde_json::Value;

/// How long the listener waits for one more notification after the last one.
const QUIET: Duration = Duration::from_secs(2);

/// An event as the tests compare it: type, stock_id, source_code, sku.
type Event = (String, Option<i64>, Option<String>, String);

fn salability(kind: &str, stock_id: i64, sku: &str) -> Event {
    (kind.to_string(), Some(stock_id), None, sku.to_string())
}

fn low_stock(source_code: &str, sku: &str) -> Event {
    (
        "low_stock".to_string(),
        None,
        Some(source_code.to_string()),
        sku.to_string(),
    )
}

/// A database with sources s1 and s2 linked to a stock 2 (priorities 1 and 2).
fn shop(name: &str) -> Client {
    let mut c = fresh_db(name);
    run(
        &mut c,
        "INSERT INTO inventory.source (source_code, name, country_code, postcode)
         VALUES ('s1', 'S1', 'US', '10001'), ('s2', 'S2', 'US', '60601');
         INSERT INTO inventory.stock (stock_id, name) OVERRIDING SYSTEM VALUE
         VALUES (2, 'Second');
         INSERT INTO inventory.stock_source_link (stock_id, source_code, priority)
         VALUES (2, 's1', 1), (2, 's2', 2);",
    );
    c
}

/// A second connection to `db`, listening on `inventory_events`.
fn listener(db: &str) -> Client {
    let mut l = connect(db);
    run(&mut l, "LISTEN inventory_events");
    l
}

/// Every notification that arrives until none has come for [`QUIET`], as (type,
/// stock_id, source_code, sku), sorted; panics on a payload that is not such JSON.
fn heard(l: &mut Client) -> Vec<Event> {
    let mut events: Vec<Event> = l
        .notifications()
        .timeout_iter(QUIET)
        .iterator()
        .map(|n| {
            let n = n.unwrap_or_else(|e| panic!("listening failed: {}", describe(&e)));
            assert_eq!(n.channel(), "inventory_events");
            let payload: Value = serde_json::from_str(n.payload())
                .unwrap_or_else(|e| panic!("payload {:?} is not JSON: {e}", n.payload()));
            event(&payload)
        })
        .collect();
    events.sort();
    events
}

#[track_caller]
fn event(payload: &Value) -> Event {
    for key in ["type", "stock_id", "source_code", "sku"] {
        assert!(payload.get(key).is_some(), "no {key} in {payload}");
    }
    (
        payload["type"]
            .as_str()
            .unwrap_or_else(|| panic!("type in {payload}"))
            .to_string(),
        payload["stock_id"].as_i64(),
        payload["source_code"].as_str().map(str::to_string),
        payload["sku"]
            .as_str()
            .unwrap_or_else(|| panic!("sku in {payload}"))
            .to_string(),
    )
}

#[test]
fn selling_the_last_unit_and_restocking_send_one_event_each() {
    let db = "events_last_unit";
    let mut c = shop(db);
    run(
        &mut c,
        "INSERT INTO inventory.source_item (source_code, sku, quantity, status)
         VALUES ('s1', 'E-1', 1, 1), ('s1', 'E-2', 5, 1)",
    );
    let mut l = listener(db);

    run(
        &mut c,
        "SELECT * FROM inventory.place_order('o-1', 2,
             '[{\"sku\": \"E-1\", \"qty\": 1}, {\"sku\": \"E-2\", \"qty\": 1}]')",
    );
    assert_eq!(heard(&mut l), vec![salability("out_of_stock", 2, "E-1")]);

    run(
        &mut c,
        "UPDATE inventory.source_item SET quantity = 6 WHERE sku = 'E-1'",
    );
    assert_eq!(heard(&mut l), vec![salability("back_in_stock", 2, "E-1")]);
    assert_kept_figures_match(&mut c);
}

#[test]
fn a_rolled_back_transaction_sends_nothing() {
    let db = "events_rollback";
    let mut c = shop(db);
    run(
        &mut c,
        "UPDATE inventory.defaults SET notify_stock_qty = 20;
         INSERT INTO inventory.source_item (source_code, sku, quantity, status)
         VALUES ('s1', 'R-1', 1, 1), ('s1', 'R-2', 30, 1)",
    );
    let mut l = listener(db);

    // Out of stock by an order, and low stock by an update: both undone.
    run(
        &mut c,
        "BEGIN;
         SELECT * FROM inventory.place_order('o-1', 2, '[{\"sku\": \"R-1\", \"qty\": 1}]');
         UPDATE inventory.source_item SET quantity = 10 WHERE sku = 'R-2';
         ROLLBACK;",
    );
    assert_eq!(heard(&mut l), vec![]);

    // The listener does hear the same work once it commits.
    run(
        &mut c,
        "UPDATE inventory.source_item SET quantity = 10 WHERE sku = 'R-2'",
    );
    assert_eq!(heard(&mut l), vec![low_stock("s1", "R-2")]);
    assert_kept_figures_match(&mut c);
}

#[test]
fn entering_low_stock_sends_one_event_and_staying_low_none() {
    let db = "events_low_stock";
    let mut c = shop(db);
    run(
        &mut c,
        "INSERT INTO inventory.source_item (source_code, sku, quantity, status, notify_stock_qty)
         VALUES ('s1', 'L-1', 30, 1, 20)",
    );
    let mut l = listener(db);

    run(
        &mut c,
        "UPDATE inventory.source_item SET quantity = 10 WHERE sku = 'L-1'",
    );
    let payloads: Vec<Value> = l
        .notifications()
        .timeout_iter(QUIET)
        .iterator()
        .map(|n| serde_json::from_str(n.expect("a notification").payload()).expect("JSON"))
        .collect();
    assert_eq!(
        payloads.iter().map(event).collect::<Vec<_>>(),
        vec![low_stock("s1", "L-1")]
    );
    assert_eq!(payloads[0]["quantity"].as_f64(), Some(10.0));
    assert_eq!(payloads[0]["notify_stock_qty"].as_f64(), Some(20.0));

    run(
        &mut c,
        "UPDATE inventory.source_item SET quantity = 9 WHERE sku = 'L-1'",
    );
    assert_eq!(heard(&mut l), vec![]);

    // Out of low stock and back into it: a new crossing.
    run(
        &mut c,
        "UPDATE inventory.source_item SET quantity = 25 WHERE sku = 'L-1'",
    );
    assert_eq!(heard(&mut l), vec![]);
    run(
        &mut c,
        "UPDATE inventory.source_item SET quantity = 15 WHERE sku = 'L-1'",
    );
    assert_eq!(heard(&mut l), vec![low_stock("s1", "L-1")]);
    assert_kept_figures_match(&mut c);
}

#[test]
fn one_update_of_a_hundred_items_sends_only_the_three_salability_changes() {
    let db = "events_bulk_update";
    let mut c = shop(db);
    // B-000 to B-099 with 10 each at s1, except B-050 with 0.
    run(
        &mut c,
        "INSERT INTO inventory.source_item (source_code, sku, quantity, status)
         SELECT 's1', format('B-%s', lpad(i::text, 3, '0')), CASE WHEN i = 50 THEN 0 ELSE 10 END, 1
           FROM generate_series(0, 99) i",
    );
    let mut l = listener(db);

    run(
        &mut c,
        "UPDATE inventory.source_item
            SET quantity = CASE sku WHEN 'B-001' THEN 0 WHEN 'B-002' THEN 0
                                    WHEN 'B-050' THEN 10 ELSE quantity + 1 END
          WHERE source_code = 's1'",
    );
    assert_eq!(
        heard(&mut l),
        vec![
            salability("back_in_stock", 2, "B-050"),
            salability("out_of_stock", 2, "B-001"),
            salability("out_of_stock", 2, "B-002"),
        ]
    );
    assert_kept_figures_match(&mut c);
}
