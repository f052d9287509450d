//! The shared ledger after its server cut every session (a restart, an administrator): the
//! connections a handle keeps are found dead only when next used, and that next call must
//! still go through on a new connection rather than say the database cannot be reached.
//!
//! The sessions are cut with `pg_terminate_backend` (what a restart does to them), so the test
//! server stays up for the other tests. Not here: a server that stays away (the counters' outbox,
//! `recur-pos-app`'s tests).

use std::time::Duration;

use recur_domain::SaleState;
use recur_ledger::{Change, Origin};

use crate::support::{at, new_sale, pg_ledger, test_pg_url};

/// Ends every session on `ledger`'s database but the caller's, as a restart would.
fn cut_every_session(location: &str) -> u64 {
    let mut admin = postgres::Client::connect(&test_pg_url(), postgres::NoTls).expect("connect");
    let database = url::Url::parse(location)
        .unwrap()
        .path()
        .trim_start_matches('/')
        .to_owned();
    let rows = admin
        .query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            &[&database],
        )
        .expect("terminate");
    rows.len() as u64
}

#[test]
fn the_first_write_and_read_after_every_session_was_cut_go_through() {
    let shared = pg_ledger();
    let ledger = shared.reopen(Origin::default());
    let first = ledger.create_sale(new_sale("拿鐵", 120), at(0)).expect("a write");
    assert_eq!(ledger.sale(&first.id).unwrap().unwrap().sale.state, SaleState::Draft);

    assert!(
        cut_every_session(&shared.location) >= 2,
        "the writer and a reader were cut"
    );
    // Give the server a moment to end them (termination is a signal to each backend).
    std::thread::sleep(Duration::from_millis(200));

    let second = ledger
        .create_sale(new_sale("美式", 90), at(1))
        .expect("the first write after the cut, on a new connection");
    let read = ledger
        .sale(&first.id)
        .expect("the first read after the cut, on a new connection");
    assert_eq!(read.unwrap().sale.id, first.id);
    assert!(ledger.sale(&second.id).unwrap().is_some());
}

#[test]
fn the_change_feed_says_it_lost_the_server_and_comes_back_on_its_own() {
    let shared = pg_ledger();
    let ledger = shared.reopen(Origin::default());
    let changes = ledger.changes().unwrap().expect("a shared ledger has a change feed");
    cut_every_session(&shared.location);
    let next = |what: &str| {
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            assert!(std::time::Instant::now() < deadline, "no {what} within 20 s");
            if let Some(change) = changes.next(Duration::from_millis(200)) {
                return change;
            }
        }
    };
    assert!(matches!(next("Lost"), Change::Lost(_)));
    assert_eq!(next("Resync"), Change::Resync);
    let sale = ledger.create_sale(new_sale("拿鐵", 120), at(0)).unwrap();
    assert_eq!(next("the sale's change"), Change::Sale(sale.id));
}
