//! Checkout and fulfilment under contention: many real client connections calling at the
//! same moment, round after round with fresh SKUs and orders, never selling beyond what is
//! salable, never releasing more than an order holds, never deadlocking, and leaving the
//! kept figures equal to a recomputation after every round.
//!
//! Client threads report what happened instead of panicking, so that no thread can leave
//! the others waiting at a barrier; the test thread judges the reports once all are back.
//! One race is too narrow to meet by chance, so its test steps through the interleaving,
//! watching `pg_blocking_pids` to know when a session waits.

use std::sync::atomic::AtomicBool;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::Barrier;
use std::thread;
use std::time::{Duration, Instant};

use inventory_tests::postgres::{self, Client};
use inventory_tests::{
    assert_books_balance, connect, describe, fresh_db, run, run_concurrently_with_barrier,
};

/// What one client's call came to: done, with its result, or refused with the SQLSTATE the
/// scenario expects. Any other failure is an `Err` with the server's account, and fails
/// the test.
#[derive(Clone, Debug, PartialEq)]
enum Attempt<T> {
    Done(T),
    Refused,
}

type Report<T> = Result<Attempt<T>, String>;

fn judged<T>(result: Result<T, postgres::Error>, refusal: &str, what: &str) -> Report<T> {
    match result {
        Ok(value) => Ok(Attempt::Done(value)),
        Err(e) if e.code().is_some_and(|code| code.code() == refusal) => Ok(Attempt::Refused),
        Err(e) => Err(format!("{what}: {}", describe(&e))),
    }
}

/// Runs one statement or script from a client thread: a failure is reported, not panicked.
fn attempt(client: &mut Client, sql: &str) -> Result<(), String> {
    client
        .batch_execute(sql)
        .map_err(|e| format!("`{sql}`: {}", describe(&e)))
}

fn stocked(client: &mut Client, sku: &str, quantity: i32) {
    client
        .execute(
            "INSERT INTO inventory.source_item (source_code, sku, quantity) \
             VALUES ('default', $1, $2::int::numeric)",
            &[&sku, &quantity],
        )
        .unwrap_or_else(|e| panic!("stocking {quantity} of {sku} failed: {}", describe(&e)));
}

fn number(client: &mut Client, sql: &str, sku: &str) -> f64 {
    client
        .query_one(sql, &[&sku])
        .unwrap_or_else(|e| panic!("`{sql}` for {sku}: {}", describe(&e)))
        .get(0)
}

fn salable(client: &mut Client, sku: &str) -> f64 {
    number(
        client,
        "SELECT inventory.get_product_salable_qty($1, 1)::float8",
        sku,
    )
}

fn reserved(client: &mut Client, sku: &str) -> f64 {
    number(
        client,
        "SELECT coalesce(sum(quantity), 0)::float8 FROM inventory.reservation \
         WHERE stock_id = 1 AND sku = $1",
        sku,
    )
}

fn on_shelf(client: &mut Client, sku: &str) -> f64 {
    number(
        client,
        "SELECT quantity::float8 FROM inventory.source_item \
         WHERE source_code = 'default' AND sku = $1",
        sku,
    )
}

/// Places an order in stock 1: its lines as (SKU, quantity), or refused with IN001.
fn try_place(client: &mut Client, order_id: &str, items: &str) -> Report<Vec<(String, f64)>> {
    let result = client
        .query(
            "SELECT sku, qty::float8 FROM inventory.place_order($1, 1, $2::text::jsonb)",
            &[&order_id, &items],
        )
        .map(|rows| rows.iter().map(|r| (r.get(0), r.get(1))).collect());
    judged(result, "IN001", &format!("placing {order_id} ({items})"))
}

/// Ships from the default source: the quantity shipped, or refused with IN003.
fn try_ship(client: &mut Client, order_id: &str, shipment_id: &str, items: &str) -> Report<f64> {
    let result = client
        .query_one(
            "SELECT inventory.ship_order($1, $2, 'default', $3::text::jsonb)::float8",
            &[&order_id, &shipment_id, &items],
        )
        .map(|row| row.get(0));
    judged(
        result,
        "IN003",
        &format!("shipping {shipment_id} ({items})"),
    )
}

/// Ends the transaction of an attempt: COMMIT when it was done, ROLLBACK otherwise.
fn finish<T: std::fmt::Debug>(client: &mut Client, report: Report<T>) -> Report<T> {
    let end = match report {
        Ok(Attempt::Done(_)) => "COMMIT",
        _ => "ROLLBACK",
    };
    match client.batch_execute(end) {
        Ok(()) => report,
        Err(e) => Err(format!("{end} after {report:?}: {}", describe(&e))),
    }
}

/// Every client opens a transaction and runs `look` in it (say, reads the salable
/// quantity: all see the same), then all run `work` at once; what was done commits, the
/// rest rolls back.
fn at_once<T: std::fmt::Debug>(
    client: &mut Client,
    barrier: &Barrier,
    look: &str,
    work: impl FnOnce(&mut Client) -> Report<T>,
) -> Report<T> {
    let ready = attempt(client, "BEGIN").and_then(|()| attempt(client, look));
    barrier.wait();

    let report = ready.and_then(|()| work(client));
    finish(client, report)
}

/// Panics listing every unexpected failure; otherwise counts the calls that were done.
fn done<T>(round: usize, reports: &[Report<T>]) -> usize {
    let failures: Vec<&str> = reports
        .iter()
        .filter_map(|r| r.as_ref().err().map(String::as_str))
        .collect();
    assert!(
        failures.is_empty(),
        "round {round}: unexpected failures:\n{}",
        failures.join("\n")
    );
    reports
        .iter()
        .filter(|r| matches!(r, Ok(Attempt::Done(_))))
        .count()
}

fn one_of(sku: &str, qty: u32) -> String {
    format!(r#"[{{"sku": "{sku}", "qty": {qty}}}]"#)
}

fn look_at(sku: &str) -> String {
    format!("SELECT inventory.get_product_salable_qty('{sku}', 1)")
}

#[test]
fn ten_buyers_of_the_last_unit_leave_exactly_one_order() {
    let db = "concurrency_last_unit";
    let mut client = fresh_db(db);

    for round in 0..30 {
        let sku = format!("LAST-{round}");
        stocked(&mut client, &sku, 1);

        let reports = run_concurrently_with_barrier(db, 10, |i, c, barrier| {
            at_once(c, barrier, &look_at(&sku), |c| {
                try_place(c, &format!("last-{round}-{i}"), &one_of(&sku, 1))
            })
        });

        assert_eq!(done(round, &reports), 1, "round {round}: {reports:?}");
        assert_eq!(salable(&mut client, &sku), 0.0, "round {round}");
        assert_eq!(reserved(&mut client, &sku), -1.0, "round {round}");
        assert_books_balance(&mut client, &format!("round {round}"));
    }
}

#[test]
fn twenty_buyers_of_ten_units_leave_exactly_ten_orders() {
    let db = "concurrency_ten_of_twenty";
    let mut client = fresh_db(db);

    for round in 0..20 {
        let sku = format!("TEN-{round}");
        stocked(&mut client, &sku, 10);

        let reports = run_concurrently_with_barrier(db, 20, |i, c, barrier| {
            at_once(c, barrier, &look_at(&sku), |c| {
                try_place(c, &format!("ten-{round}-{i}"), &one_of(&sku, 1))
            })
        });

        assert_eq!(done(round, &reports), 10, "round {round}: {reports:?}");
        assert_eq!(salable(&mut client, &sku), 0.0, "round {round}");
        assert_eq!(reserved(&mut client, &sku), -10.0, "round {round}");
        assert_books_balance(&mut client, &format!("round {round}"));
    }
}

#[test]
fn two_orders_of_4_with_6_on_hand_leave_exactly_one() {
    let db = "concurrency_four_and_four";
    let mut client = fresh_db(db);

    for round in 0..50 {
        let sku = format!("SIX-{round}");
        stocked(&mut client, &sku, 6);

        let reports = run_concurrently_with_barrier(db, 2, |i, c, barrier| {
            at_once(c, barrier, &look_at(&sku), |c| {
                try_place(c, &format!("six-{round}-{i}"), &one_of(&sku, 4))
            })
        });

        assert_eq!(done(round, &reports), 1, "round {round}: {reports:?}");
        assert_eq!(salable(&mut client, &sku), 2.0, "round {round}");
        assert_eq!(reserved(&mut client, &sku), -4.0, "round {round}");
        assert_books_balance(&mut client, &format!("round {round}"));
    }
}

#[test]
fn orders_naming_two_skus_in_either_order_never_deadlock() {
    let db = "concurrency_crossed_lines";
    let mut client = fresh_db(db);

    for round in 0..30 {
        let (x, y) = (format!("CROSS-X-{round}"), format!("CROSS-Y-{round}"));
        stocked(&mut client, &x, 1000);
        stocked(&mut client, &y, 1000);

        // Even clients name X first, odd ones Y first; a 40P01 comes back as an Err.
        let reports = run_concurrently_with_barrier(db, 8, |i, c, barrier| {
            let (first, second) = if i % 2 == 0 { (&x, &y) } else { (&y, &x) };
            let items =
                format!(r#"[{{"sku": "{first}", "qty": 3}}, {{"sku": "{second}", "qty": 2}}]"#);
            at_once(c, barrier, &look_at(first), |c| {
                try_place(c, &format!("cross-{round}-{i}"), &items)
            })
        });

        assert_eq!(done(round, &reports), 8, "round {round}: {reports:?}");
        // 4 orders of 3 X and 2 Y, 4 of 2 X and 3 Y: 20 of each reserved.
        assert_eq!(reserved(&mut client, &x), -20.0, "round {round}");
        assert_eq!(reserved(&mut client, &y), -20.0, "round {round}");
        assert_eq!(salable(&mut client, &x), 980.0, "round {round}");
        assert_eq!(salable(&mut client, &y), 980.0, "round {round}");
        assert_books_balance(&mut client, &format!("round {round}"));
    }
}

#[test]
fn one_order_id_placed_by_five_sessions_at_once_reserves_once() {
    let db = "concurrency_same_order_id";
    let mut client = fresh_db(db);

    for round in 0..30 {
        let sku = format!("SAME-{round}");
        stocked(&mut client, &sku, 10);
        let order_id = format!("same-{round}");

        let reports = run_concurrently_with_barrier(db, 5, |_, c, barrier| {
            at_once(c, barrier, &look_at(&sku), |c| {
                try_place(c, &order_id, &one_of(&sku, 3))
            })
        });

        assert_eq!(done(round, &reports), 5, "round {round}: {reports:?}");
        let first = vec![(sku.clone(), 3.0)];
        for report in &reports {
            assert_eq!(report, &Ok(Attempt::Done(first.clone())), "round {round}");
        }
        assert_eq!(reserved(&mut client, &sku), -3.0, "round {round}");
        assert_eq!(salable(&mut client, &sku), 7.0, "round {round}");
        assert_books_balance(&mut client, &format!("round {round}"));
    }
}

/// Places order `order_id` of `qty` units of a fresh SKU with 100 on the shelf.
fn placed_order(client: &mut Client, sku: &str, order_id: &str, qty: u32) {
    stocked(client, sku, 100);
    match try_place(client, order_id, &one_of(sku, qty)) {
        Ok(Attempt::Done(_)) => {}
        other => panic!("placing {order_id}: {other:?}"),
    }
}

#[test]
fn three_shipments_of_4_against_10_open_leave_exactly_two() {
    let db = "concurrency_competing_shipments";
    let mut client = fresh_db(db);

    for round in 0..30 {
        let sku = format!("SHIP-{round}");
        let order_id = format!("ship-{round}");
        placed_order(&mut client, &sku, &order_id, 10);

        // Three different shipments of 4 for an order with 10 open: the third would ship
        // (and release) 2 units the order does not hold.
        let reports = run_concurrently_with_barrier(db, 3, |i, c, barrier| {
            at_once(c, barrier, &look_at(&sku), |c| {
                try_ship(c, &order_id, &format!("ship-{round}-{i}"), &one_of(&sku, 4))
            })
        });

        assert_eq!(done(round, &reports), 2, "round {round}: {reports:?}");
        assert_eq!(on_shelf(&mut client, &sku), 92.0, "round {round}");
        assert_eq!(reserved(&mut client, &sku), -2.0, "round {round}");
        assert_eq!(salable(&mut client, &sku), 90.0, "round {round}");
        assert_books_balance(&mut client, &format!("round {round}"));
    }
}

#[test]
fn one_shipment_id_sent_by_five_sessions_at_once_is_applied_once() {
    let db = "concurrency_same_shipment_id";
    let mut client = fresh_db(db);

    for round in 0..30 {
        let sku = format!("ONCE-{round}");
        let order_id = format!("once-{round}");
        placed_order(&mut client, &sku, &order_id, 10);
        let shipment_id = format!("once-{round}-ship");

        let reports = run_concurrently_with_barrier(db, 5, |_, c, barrier| {
            at_once(c, barrier, &look_at(&sku), |c| {
                try_ship(c, &order_id, &shipment_id, &one_of(&sku, 4))
            })
        });

        assert_eq!(done(round, &reports), 5, "round {round}: {reports:?}");
        for report in &reports {
            assert_eq!(report, &Ok(Attempt::Done(4.0)), "round {round}");
        }
        assert_eq!(on_shelf(&mut client, &sku), 96.0, "round {round}");
        assert_eq!(reserved(&mut client, &sku), -6.0, "round {round}");
        assert_eq!(salable(&mut client, &sku), 90.0, "round {round}");
        assert_books_balance(&mut client, &format!("round {round}"));
    }
}

#[test]
fn two_shipments_of_6_from_a_shelf_of_10_leave_exactly_one() {
    let db = "concurrency_shelf_of_ten";
    let mut client = fresh_db(db);
    // Backorders let both orders of 6 be placed against 10; the shelf still cannot go
    // below 0.
    run(
        &mut client,
        "UPDATE inventory.defaults SET backorders = 1, min_qty = -10",
    );

    for round in 0..30 {
        let sku = format!("SHELF-{round}");
        stocked(&mut client, &sku, 10);
        for i in 0..2 {
            match try_place(&mut client, &format!("shelf-{round}-{i}"), &one_of(&sku, 6)) {
                Ok(Attempt::Done(_)) => {}
                other => panic!("round {round}: placing order {i}: {other:?}"),
            }
        }

        let reports = run_concurrently_with_barrier(db, 2, |i, c, barrier| {
            at_once(c, barrier, &look_at(&sku), |c| {
                let result = c
                    .query_one(
                        "SELECT inventory.ship_order($1, $2, 'default')::float8",
                        &[
                            &format!("shelf-{round}-{i}"),
                            &format!("shelf-{round}-{i}-ship"),
                        ],
                    )
                    .map(|row| row.get::<_, f64>(0));
                judged(result, "IN002", "shipping 6 from a shelf of 10")
            })
        });

        assert_eq!(done(round, &reports), 1, "round {round}: {reports:?}");
        assert_eq!(on_shelf(&mut client, &sku), 4.0, "round {round}");
        assert_eq!(reserved(&mut client, &sku), -6.0, "round {round}");
        // 4 on the shelf, 6 still held, threshold -10.
        assert_eq!(salable(&mut client, &sku), 8.0, "round {round}");
        assert_books_balance(&mut client, &format!("round {round}"));
    }
}

#[test]
fn a_cancel_racing_a_full_shipment_never_releases_what_shipped() {
    let db = "concurrency_cancel_vs_shipment";
    let mut client = fresh_db(db);

    for round in 0..30 {
        let sku = format!("RACECS-{round}");
        let order_id = format!("cs-{round}");
        placed_order(&mut client, &sku, &order_id, 10);

        // Client 0 cancels whatever is open, client 1 ships all 10: whichever comes second
        // finds nothing to do (the cancel releases 0, the shipment is refused).
        let reports = run_concurrently_with_barrier(db, 2, |i, c, barrier| {
            at_once(c, barrier, &look_at(&sku), |c| {
                if i == 0 {
                    let result = c
                        .query_one("SELECT inventory.cancel_order($1)::float8", &[&order_id])
                        .map(|row| row.get::<_, f64>(0));
                    judged(result, "IN003", &format!("canceling {order_id}"))
                } else {
                    try_ship(c, &order_id, &format!("cs-{round}-ship"), &one_of(&sku, 10))
                }
            })
        });

        done(round, &reports);
        let (released, shipped) = match (&reports[0], &reports[1]) {
            (Ok(Attempt::Done(released)), Ok(Attempt::Done(shipped))) => (*released, *shipped),
            (Ok(Attempt::Done(released)), Ok(Attempt::Refused)) => (*released, 0.0),
            other => panic!("round {round}: {other:?}"),
        };
        assert!(
            (released, shipped) == (10.0, 0.0) || (released, shipped) == (0.0, 10.0),
            "round {round}: released {released}, shipped {shipped}"
        );
        assert_eq!(
            on_shelf(&mut client, &sku),
            100.0 - shipped,
            "round {round}"
        );
        assert_eq!(reserved(&mut client, &sku), 0.0, "round {round}");
        assert_eq!(salable(&mut client, &sku), 100.0 - shipped, "round {round}");
        assert_books_balance(&mut client, &format!("round {round}"));
    }
}

#[test]
fn orders_racing_source_item_updates_never_take_more_than_was_salable() {
    const PLACERS: usize = 6;
    const BULK_UPDATES: usize = 1;
    const MIN_FLIPS: usize = 10;
    // A bound on a placer's attempts, in case the updaters never report back.
    const MAX_ATTEMPTS: usize = 5_000;

    let db = "concurrency_orders_vs_item_updates";
    let mut client = fresh_db(db);
    run(
        &mut client,
        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
         SELECT 'default', 'BULK-' || g, 100 FROM generate_series(1, 2000) g",
    );

    for round in 0..10 {
        let sku = format!("RACE-{round}");
        stocked(&mut client, &sku, 2);
        let bulk_done = AtomicBool::new(false);
        let flips_done = AtomicBool::new(false);

        // Clients 0-5 keep placing orders of 1 until the updates are over, then try once
        // more. Client 6 raises the SKU's quantity by 1 and flips its status, at least 10
        // times and an even number of times, until the bulk update is over. Client 7 raises
        // every item of the default source (2,000 and more) by 1 in one statement.
        // Quantities only grow, so an order that was salable when accepted is still
        // covered at the end: the final salable quantity drops below 0 only if an order was
        // accepted beyond what was salable.
        let reports: Vec<Result<usize, String>> =
            run_concurrently_with_barrier(db, PLACERS + 2, |i, c, _| {
                if i < PLACERS {
                    let items = one_of(&sku, 1);
                    let mut placed = 0;
                    for k in 0..MAX_ATTEMPTS {
                        let last = bulk_done.load(SeqCst) && flips_done.load(SeqCst);
                        let order_id = format!("race-{round}-{i}-{k}");
                        let report =
                            attempt(c, "BEGIN").and_then(|()| try_place(c, &order_id, &items));
                        match finish(c, report)? {
                            Attempt::Done(_) => placed += 1,
                            Attempt::Refused => thread::sleep(Duration::from_millis(1)),
                        }
                        if last {
                            break;
                        }
                    }
                    Ok(placed)
                } else if i == PLACERS {
                    let flip = format!(
                        "BEGIN; \
                         UPDATE inventory.source_item \
                            SET quantity = quantity + 1, status = 1 - status \
                          WHERE source_code = 'default' AND sku = '{sku}'; \
                         SELECT pg_sleep(0.002); \
                         COMMIT"
                    );
                    let mut flips = 0;
                    let flipped = loop {
                        if let Err(e) = attempt(c, &flip) {
                            break Err(e);
                        }
                        flips += 1;
                        if flips >= MIN_FLIPS && flips % 2 == 0 && bulk_done.load(SeqCst) {
                            break Ok(flips);
                        }
                    };
                    flips_done.store(true, SeqCst);
                    flipped
                } else {
                    let raised = (0..BULK_UPDATES).try_for_each(|_| {
                        attempt(
                            c,
                            "UPDATE inventory.source_item SET quantity = quantity + 1 \
                             WHERE source_code = 'default'",
                        )
                    });
                    bulk_done.store(true, SeqCst);
                    raised.map(|()| 0)
                }
            });

        let failures: Vec<&String> = reports.iter().filter_map(|r| r.as_ref().err()).collect();
        assert!(failures.is_empty(), "round {round}: {failures:#?}");
        let counts: Vec<usize> = reports.into_iter().map(Result::unwrap).collect();
        let accepted = counts[..PLACERS].iter().sum::<usize>() as f64;
        let flips = counts[PLACERS];

        // 2 at first, one more per flip and per bulk update; an even number of flips
        // leaves the item in stock.
        let quantity = (2 + flips + BULK_UPDATES) as f64;
        let left = salable(&mut client, &sku);
        assert!(
            left >= 0.0,
            "round {round}: {accepted} orders accepted for {quantity} units, salable {left}"
        );
        assert_eq!(left, quantity - accepted, "round {round}");
        assert_eq!(reserved(&mut client, &sku), -accepted, "round {round}");
        assert_books_balance(&mut client, &format!("round {round}"));
    }
}

/// Waits until session `pid` is blocked by session `by`, or has finished its statement;
/// panics after 20 s.
fn wait_until_blocked(observer: &mut Client, pid: i32, by: i32) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let row = observer
            .query_one(
                "SELECT $2 = ANY (pg_blocking_pids($1)), \
                        (SELECT state FROM pg_stat_activity WHERE pid = $1) <> 'active'",
                &[&pid, &by],
            )
            .unwrap_or_else(|e| panic!("watching session {pid}: {}", describe(&e)));
        if row.get::<_, bool>(0) || row.get::<_, Option<bool>>(1).unwrap_or(true) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "session {pid} was never blocked by session {by}"
        );
        thread::sleep(Duration::from_millis(5));
    }
}

fn backend_pid(client: &mut Client) -> i32 {
    client
        .query_one("SELECT pg_backend_pid()", &[])
        .expect("read the backend pid")
        .get(0)
}

#[test]
fn a_sku_stocked_while_an_order_waits_for_another_sku_is_not_oversold() {
    let db = "concurrency_newly_stocked_sku";
    let mut client = fresh_db(db);

    for round in 0..5 {
        let (busy, new) = (format!("BUSY-{round}"), format!("NEW-{round}"));
        stocked(&mut client, &busy, 100);
        let mut waiter = connect(db);
        let waiter_pid = backend_pid(&mut waiter);
        // A safety net: should this test fail while the waiter is blocked, its lock
        // holders close with the failing scope, and the waiter gives up after 30 s anyway.
        run(&mut waiter, "SET statement_timeout = '30s'");

        let waiter_report = thread::scope(|scope| {
            let mut holder = connect(db);
            let mut rival = connect(db);
            let (holder_pid, rival_pid) = (backend_pid(&mut holder), backend_pid(&mut rival));

            // 1. The holder places an order of the busy SKU and keeps its transaction open.
            run(&mut holder, "BEGIN");
            let held = try_place(&mut holder, &format!("holder-{round}"), &one_of(&busy, 1));
            assert!(matches!(held, Ok(Attempt::Done(_))), "{held:?}");

            // 2. The waiter orders 1 of the new SKU (not stocked yet) and 1 of the busy one,
            //    and waits for the holder.
            let items = format!(r#"[{{"sku": "{new}", "qty": 1}}, {{"sku": "{busy}", "qty": 1}}]"#);
            let order_id = format!("waiter-{round}");
            let waiting = scope.spawn(move || try_place(&mut waiter, &order_id, &items));
            wait_until_blocked(&mut client, waiter_pid, holder_pid);

            // 3. One unit of the new SKU arrives, and the rival buys it, still uncommitted.
            stocked(&mut client, &new, 1);
            run(&mut rival, "BEGIN");
            let bought = try_place(&mut rival, &format!("rival-{round}"), &one_of(&new, 1));
            assert!(matches!(bought, Ok(Attempt::Done(_))), "{bought:?}");

            // 4. The holder commits: the waiter now checks the new SKU, whose only unit the
            //    rival holds; it must wait for the rival or give up, never take the unit too.
            run(&mut holder, "COMMIT");
            wait_until_blocked(&mut client, waiter_pid, rival_pid);
            run(&mut rival, "COMMIT");
            waiting.join().expect("the waiting client thread")
        });

        assert_eq!(
            waiter_report,
            Ok(Attempt::Refused),
            "round {round}: the waiter got the unit the rival had bought"
        );
        assert_eq!(
            salable(&mut client, &new),
            0.0,
            "round {round}: 1 unit, {} reserved",
            -reserved(&mut client, &new)
        );
        assert_eq!(reserved(&mut client, &busy), -1.0, "round {round}");
        assert_books_balance(&mut client, &format!("round {round}"));
    }
}

#[test]
fn a_reservation_racing_the_removal_of_its_kept_row_is_still_applied() {
    let db = "concurrency_reservation_vs_removed_figures";
    let mut client = fresh_db(db);

    for round in 0..5 {
        let sku = format!("GONE-{round}");
        stocked(&mut client, &sku, 5);
        let mut writer = connect(db);
        let writer_pid = backend_pid(&mut writer);
        run(&mut writer, "SET statement_timeout = '30s'");

        let written = thread::scope(|scope| {
            let mut remover = connect(db);
            let remover_pid = backend_pid(&mut remover);

            // 1. The remover deletes the SKU's only item: its kept row goes with it, deleted
            //    but not yet committed.
            run(&mut remover, "BEGIN");
            run(
                &mut remover,
                &format!("DELETE FROM inventory.source_item WHERE sku = '{sku}'"),
            );

            // 2. A reservation for the SKU (in another spelling) meets the locked row...
            let insert = format!(
                "INSERT INTO inventory.reservation (stock_id, sku, quantity) \
                 VALUES (1, '{}', -2)",
                sku.to_lowercase()
            );
            let waiting = scope.spawn(move || attempt(&mut writer, &insert));
            wait_until_blocked(&mut client, writer_pid, remover_pid);

            // 3. ...which is gone once the remover commits.
            run(&mut remover, "COMMIT");
            waiting.join().expect("the writing client thread")
        });

        assert_eq!(written, Ok(()), "round {round}");
        assert_eq!(reserved(&mut client, &sku), -2.0, "round {round}");
        // The kept row is back, holding the reservation.
        assert_eq!(
            number(
                &mut client,
                "SELECT reserved::float8 FROM inventory.stock_sku WHERE stock_id = 1 AND sku = $1",
                &sku,
            ),
            -2.0,
            "round {round}"
        );
        assert_books_balance(&mut client, &format!("round {round}"));
    }
}

#[test]
fn items_of_one_sku_written_at_many_sources_at_once_keep_its_holdings_whole() {
    // Sources linked to no stock: no kept figures row serializes their writers, so only
    // the SKU's holdings row does. Each writer owns one source and, in transactions
    // that overlap the others', changes its item of one of the round's SKUs (its quantity
    // and status) and deletes and recreates its item of the other; every transaction
    // touches the two SKUs in the same order (in opposite orders, two transactions
    // would deadlock on their rows, as with any row locks taken across statements).
    // What source selection reads must still equal the items afterwards.
    const WRITERS: usize = 6;
    const STEPS: usize = 12;
    let db = "concurrency_holdings_many_sources";
    let mut client = fresh_db(db);
    run(
        &mut client,
        "INSERT INTO inventory.source (source_code, name, country_code, postcode) \
         SELECT 'h' || g, 'Holding ' || g, 'US', '10001' FROM generate_series(0, 5) g",
    );

    for round in 0..5 {
        let skus = [format!("HOLD-{round}-A"), format!("HOLD-{round}-B")];
        let reports: Vec<Result<(), String>> = run_concurrently_with_barrier(
            db,
            WRITERS,
            |i, c, barrier| {
                let source = format!("h{i}");
                // Even writers change A and recreate B, odd ones the other way round.
                let changed = i % 2;
                let mut result = attempt(
                    c,
                    &format!(
                        "INSERT INTO inventory.source_item (source_code, sku, quantity) \
                         VALUES ('{source}', '{}', {i}), ('{source}', '{}', 1)",
                        skus[changed],
                        skus[1 - changed]
                    ),
                );
                barrier.wait();
                for step in 0..STEPS {
                    if result.is_err() {
                        break;
                    }
                    let change = match step % 4 {
                        0 => "SET quantity = quantity + 3",
                        1 => "SET status = 1 - status",
                        2 => "SET quantity = quantity - 1, status = 1",
                        _ => "SET quantity = quantity * 2",
                    };
                    let statements: Vec<String> = skus
                        .iter()
                        .enumerate()
                        .map(|(k, sku)| {
                            if k == changed {
                                format!(
                                    "UPDATE inventory.source_item {change} \
                                      WHERE source_code = '{source}' AND sku = '{sku}';"
                                )
                            } else {
                                format!(
                                    "DELETE FROM inventory.source_item \
                                      WHERE source_code = '{source}' AND sku = '{sku}'; \
                                     INSERT INTO inventory.source_item (source_code, sku, quantity) \
                                     VALUES ('{source}', lower('{sku}'), {step});"
                                )
                            }
                        })
                        .collect();
                    result = attempt(
                        c,
                        &format!(
                            "BEGIN; {} SELECT pg_sleep(0.001); {} COMMIT",
                            statements[0], statements[1]
                        ),
                    );
                }
                result
            },
        );
        let failures: Vec<&String> = reports.iter().filter_map(|r| r.as_ref().err()).collect();
        assert!(failures.is_empty(), "round {round}: {failures:#?}");
        assert_books_balance(&mut client, &format!("round {round}"));

        // Each writer's first SKU went from i through three rounds of (+3, flip, -1 and
        // back in stock, x2): 8i + 28; its second SKU was recreated at the last step with
        // STEPS - 1. Every item ends in stock.
        let expected = |sku: usize| -> String {
            (0..WRITERS)
                .map(|i| {
                    let qty = if i % 2 == sku { 8 * i + 28 } else { STEPS - 1 };
                    format!("h{i}={qty}")
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        for (k, sku) in skus.iter().enumerate() {
            let held: String = client
                .query_one(
                    "SELECT string_agg(c || '=' || (u / 10000), ' ' ORDER BY c) \
                       FROM inventory.sku_holding h, unnest(h.source_codes, h.units) AS x(c, u) \
                      WHERE h.sku = $1",
                    &[sku],
                )
                .map(|row| row.get(0))
                .unwrap_or_else(|e| panic!("round {round}: {}", describe(&e)));
            assert_eq!(held, expected(k), "round {round}: what {sku} is held as");
        }
    }

    // And source selection reads it: a stock of the six sources, by priority.
    run(
        &mut client,
        "INSERT INTO inventory.stock (stock_id, name) OVERRIDING SYSTEM VALUE \
         VALUES (7, 'Holdings'); \
         INSERT INTO inventory.stock_source_link (stock_id, source_code, priority) \
         SELECT 7, 'h' || g, g + 1 FROM generate_series(0, 5) g",
    );
    let picked: String = client
        .query_one(
            "SELECT string_agg(source_code || '=' || qty_available, ' ' ORDER BY source_code) \
               FROM inventory.select_sources(7, '[{\"sku\": \"hold-4-b\", \"qty\": 1000}]') \
              WHERE source_code IS NOT NULL",
            &[],
        )
        .map(|row| row.get(0))
        .unwrap_or_else(|e| panic!("selecting: {}", describe(&e)));
    assert_eq!(picked, "h0=11 h1=36 h2=11 h3=52 h4=11 h5=68");
    assert_books_balance(&mut client, "after linking the sources");
}

#[test]
fn an_item_written_while_its_sku_rows_are_being_removed_still_counts() {
    // The remover holds the SKU's kept rows (it touched its item), then deletes the last
    // item, so its own refresh removes the rows; meanwhile the writer's new item waits for
    // those rows. Once the remover commits, the rows the writer waited for are gone: its
    // refresh must make them again, not skip them. Round by round, the source of the
    // remover's item is linked to the stock (the kept figures row is what both wait for)
    // or to none (then only the holdings row is).
    let db = "concurrency_rows_removed_while_waited_for";
    let mut client = fresh_db(db);
    run(
        &mut client,
        "INSERT INTO inventory.source (source_code, name, country_code, postcode) \
         VALUES ('west', 'West', 'US', '90021'), ('east', 'East', 'US', '10001'), \
                ('dock', 'Inbound dock', 'US', '07114'); \
         INSERT INTO inventory.stock (stock_id, name) OVERRIDING SYSTEM VALUE \
         VALUES (2, 'US'); \
         INSERT INTO inventory.stock_source_link (stock_id, source_code, priority) \
         VALUES (2, 'west', 1), (2, 'east', 2)",
    );

    for round in 0..6 {
        let sku = format!("GONE-{round}");
        let remover_source = if round % 2 == 0 { "east" } else { "dock" };
        run(
            &mut client,
            &format!(
                "INSERT INTO inventory.source_item (source_code, sku, quantity) \
                 VALUES ('{remover_source}', '{sku}', 5)"
            ),
        );
        let mut writer = connect(db);
        let writer_pid = backend_pid(&mut writer);
        run(&mut writer, "SET statement_timeout = '30s'");

        let written = thread::scope(|scope| {
            let mut remover = connect(db);
            let remover_pid = backend_pid(&mut remover);

            // 1. The remover touches its item: its refresh locks the SKU's rows.
            run(&mut remover, "BEGIN");
            run(
                &mut remover,
                &format!(
                    "UPDATE inventory.source_item SET notify_stock_qty = 2 \
                     WHERE source_code = '{remover_source}' AND sku = '{sku}'"
                ),
            );

            // 2. The writer stocks 3 at west and waits for those rows.
            let insert = format!(
                "INSERT INTO inventory.source_item (source_code, sku, quantity) \
                 VALUES ('west', '{}', 3)",
                sku.to_lowercase()
            );
            let waiting = scope.spawn(move || attempt(&mut writer, &insert));
            wait_until_blocked(&mut client, writer_pid, remover_pid);

            // 3. The remover deletes its item, the SKU's last one it can see, and commits.
            run(
                &mut remover,
                &format!(
                    "DELETE FROM inventory.source_item \
                     WHERE source_code = '{remover_source}' AND sku = '{sku}'"
                ),
            );
            run(&mut remover, "COMMIT");
            waiting.join().expect("the writing client thread")
        });

        assert_eq!(written, Ok(()), "round {round}");
        assert_books_balance(&mut client, &format!("round {round}"));
        let picked: Option<String> = client
            .query_one(
                "SELECT string_agg(source_code || '=' || qty_to_deduct, ' ') \
                   FROM inventory.select_sources(2, jsonb_build_array(jsonb_build_object( \
                        'sku', $1::text, 'qty', 2)))",
                &[&sku],
            )
            .map(|row| row.get(0))
            .unwrap_or_else(|e| panic!("round {round}: {}", describe(&e)));
        assert_eq!(picked.as_deref(), Some("west=2"), "round {round}");
        assert_eq!(
            number(
                &mut client,
                "SELECT inventory.get_product_salable_qty($1, 2)::float8",
                &sku
            ),
            3.0,
            "round {round}"
        );
    }
}
