//! A counter of a shop while the shop's PostgreSQL is stopped: a real [`Station`] on a cluster
//! of the test's own (stopping the shared test server would fail every other test using it),
//! a standalone in-process sandbox as Recur, and the follower running as the window runs it
//! (also when a changed sale cannot be read at first: a privilege taken away and given back).
//!
//! Not here: several counters and the hub at once (the command line's `shop` test), the
//! outbox's upload rule on its own (`recur-ledger`'s tests).

use std::sync::Arc;
use std::time::{Duration, Instant};

use recur_domain::{ErrorCode, SaleState, Tender};
use recur_ledger::{HistoryFilter, Sort};
use recur_pos_app::services::Listen;
use recur_pos_app::{Env, Plan, Port, Station};
use recur_pos_core::{ChargeRequest, CoreEvent};
use recur_sandbox::{Sandbox, SandboxConfig};
use recur_secrets::MemoryStore;
use tokio::sync::broadcast;

use crate::own_pg::OwnCluster;

/// What the window runs: on a shared ledger, no listener or tunnel, only the follower.
fn window_plan() -> Plan {
    Plan {
        listen: Some(Listen {
            port: Port::Fixed(0),
            sweep_every: Duration::from_secs(600),
        }),
        tunnel: false,
        tunnel_command: None,
        hub: false,
    }
}

fn latte() -> ChargeRequest {
    ChargeRequest {
        product_id: "prod_latte".into(),
        ..ChargeRequest::default()
    }
}

/// Waits up to `limit` for `done`, saying what was awaited when it never came.
fn until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !done() {
        assert!(
            Instant::now() < deadline,
            "timed out after {limit:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The next `SharedLedger` status the counter announced, skipping other events.
fn next_shared_status(events: &mut broadcast::Receiver<CoreEvent>, what: &str) -> recur_pos_core::SharedStatus {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match events.try_recv() {
            Ok(CoreEvent::SharedLedger(status)) => return status,
            Ok(_) | Err(broadcast::error::TryRecvError::Lagged(_)) => {}
            Err(broadcast::error::TryRecvError::Empty) => {
                assert!(Instant::now() < deadline, "no SharedLedger event ({what}) within 30 s");
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(broadcast::error::TryRecvError::Closed) => panic!("the counter's events ended ({what})"),
        }
    }
}

/// A counter of the shop at `url`, as the window opens one (not opened yet): Recur is `recur`,
/// its own folder `home`, plus `extra` variables; with the runtime it runs on.
fn counter_at(
    url: &str,
    recur: &Sandbox,
    home: &tempfile::TempDir,
    extra: &[(&str, &str)],
) -> (Arc<Station>, tokio::runtime::Runtime) {
    let base = recur.base_url();
    let mut pairs = vec![
        ("RECUR_POS_DB", url),
        ("RECUR_POS_HOME", home.path().to_str().unwrap()),
        ("RECUR_API_BASE", base.as_str()),
        ("RECUR_SECRET_KEY", recur.secret_key()),
        ("RECUR_WEBHOOK_SECRET", recur.webhook_secret()),
        ("RECUR_POS_POLL_MS", "100"),
    ];
    pairs.extend_from_slice(extra);
    let env = Env::from_pairs(&pairs);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    (Station::new(env, Arc::new(MemoryStore::new())), rt)
}

#[test]
fn with_postgresql_stopped_recur_sales_are_refused_and_cash_waits_then_lands_exactly_once() {
    let cluster = OwnCluster::start("outbox");
    let recur = Sandbox::start(SandboxConfig::for_tests()).unwrap();
    let home = tempfile::tempdir().unwrap();
    let (station, rt) = counter_at(
        &cluster.url(),
        &recur,
        &home,
        &[("RECUR_POS_SHOP", "tamsui"), ("RECUR_POS_COUNTER", "A")],
    );
    let counter = rt
        .block_on(station.open(window_plan()))
        .expect("the counter opens on the shop's ledger");
    assert!(counter.ledger().is_shared());
    assert!(
        station.listener().is_none(),
        "a counter of a shop runs no listener: the hub does"
    );
    let status = counter.shared_status();
    assert!(status.shared && status.reachable && status.waiting == 0, "{status:?}");
    let mut events = counter.subscribe();

    cluster.stop();

    // A Recur sale must be in the shop's ledger before Recur sees it: refused, nothing at Recur.
    let refused = rt
        .block_on(counter.charge(latte()))
        .expect_err("no Recur sale without the ledger");
    assert_eq!(refused.code(), ErrorCode::LedgerUnreachable, "{refused}");
    assert!(
        refused.to_string().contains("cannot be reached"),
        "the error says what happened: {refused}"
    );
    assert!(
        recur.session_ids().is_empty(),
        "no checkout was created at Recur: {:?}",
        recur.session_ids()
    );

    // Cash needs no Recur: it waits on this counter.
    let cash = rt
        .block_on(counter.charge_cash(latte(), None))
        .expect("cash is taken with the database away");
    assert_eq!((cash.state, cash.tender), (SaleState::Paid, Tender::Cash));
    assert_eq!(cash.counter, "A");
    let away = next_shared_status(&mut events, "the database is away");
    assert!(!away.reachable, "{away:?}");
    assert_eq!(counter.shared_status().waiting, 1, "one cash sale waits in the outbox");
    assert!(!counter.shared_status().reachable);

    cluster.start_again();

    // The follower finds the database again by itself and uploads what waited.
    until("the outbox to be uploaded", Duration::from_secs(30), || {
        let status = counter.shared_status();
        status.reachable && status.waiting == 0
    });
    let back = loop {
        let status = next_shared_status(&mut events, "the database is back");
        if status.reachable {
            break status;
        }
    };
    assert_eq!(back.waiting, 0, "{back:?}");

    let all = |counter: &recur_pos_core::Counter| {
        counter
            .history(&HistoryFilter::default(), Sort::Newest, None, 100)
            .expect("the shop's ledger reads")
            .sales
    };
    let landed = all(&counter);
    assert_eq!(landed.len(), 1, "exactly the cash sale, once: {landed:?}");
    let sale = &landed[0];
    assert_eq!(sale.id, cash.id, "under its own id");
    assert_eq!(sale.created_at, cash.created_at, "with the time it was made");
    assert_eq!((sale.shop.as_str(), sale.counter.as_str()), ("tamsui", "A"));
    assert_eq!(
        (sale.state, sale.tender, sale.paid_amount),
        (SaleState::Paid, Tender::Cash, Some(cash.amount))
    );
    let history = counter.sale(&cash.id).unwrap().history;
    assert_eq!(
        history.iter().filter(|t| t.to == SaleState::Paid).count(),
        1,
        "one PAID step: {history:?}"
    );

    // An upload done again (the next start does one) writes nothing.
    assert_eq!(counter.upload_outbox().expect("upload again"), 0);
    assert_eq!(all(&counter).len(), 1, "still one sale");

    // And the counter sells on the shop's ledger again.
    let sale = rt
        .block_on(counter.charge(latte()))
        .expect("a Recur sale once the database is back");
    assert_eq!(sale.state, SaleState::Open);
    assert_eq!(recur.session_ids().len(), 1);
    station.shutdown();
}

#[test]
fn a_counter_started_while_postgresql_is_stopped_takes_cash_and_sends_it_when_it_answers() {
    let cluster = OwnCluster::start("cold");
    let recur = Sandbox::start(SandboxConfig::for_tests()).unwrap();
    let home = tempfile::tempdir().unwrap();
    let (station, rt) = counter_at(&cluster.url(), &recur, &home, &[("RECUR_POS_COUNTER", "B")]);
    // The PC restarts during an outage: the counter still opens.
    cluster.stop();
    let counter = rt
        .block_on(station.open(window_plan()))
        .expect("a counter of a shop opens while its database is away");
    let status = counter.shared_status();
    assert!(status.shared && !status.reachable, "{status:?}");
    assert!(
        status.why.as_deref().is_some_and(|w| w.contains("127.0.0.1")),
        "it says where it could not reach: {status:?}"
    );

    let refused = rt.block_on(counter.charge(latte())).expect_err("no Recur sale");
    assert_eq!(refused.code(), ErrorCode::LedgerUnreachable, "{refused}");
    assert!(recur.session_ids().is_empty(), "nothing at Recur");
    let cash = rt
        .block_on(counter.charge_cash(latte(), None))
        .expect("cash into the outbox");
    assert_eq!(counter.shared_status().waiting, 1);

    cluster.start_again();
    until(
        "the database to be found and the cash uploaded",
        Duration::from_secs(30),
        || {
            let status = counter.shared_status();
            status.reachable && status.waiting == 0
        },
    );
    // The first call that reached it made the schema and claimed it for the sandbox.
    assert_eq!(counter.ledger().environment().unwrap().as_deref(), Some("sandbox"));
    let landed = counter
        .history(&HistoryFilter::default(), Sort::Newest, None, 10)
        .unwrap()
        .sales;
    assert_eq!(landed.iter().map(|s| &s.id).collect::<Vec<_>>(), vec![&cash.id]);
    assert_eq!(landed[0].counter, "B");
    station.shutdown();
}

/// The cluster's admin URL on database `db`.
fn on_database(cluster: &OwnCluster, db: &str) -> String {
    let url = cluster.url();
    format!("{}/{db}", url.rsplit_once('/').expect("a URL with a database").0)
}

/// `psql` as the cluster's admin on database `db` (the server's own client, from Debian's
/// `postgresql` package).
fn psql(cluster: &OwnCluster, db: &str, sql: &str) {
    let url = on_database(cluster, db);
    let out = std::process::Command::new("psql")
        .args([url.as_str(), "-v", "ON_ERROR_STOP=1", "-qc", sql])
        .output()
        .expect("psql runs");
    assert!(
        out.status.success(),
        "psql {sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn a_changed_sale_that_cannot_be_read_at_first_still_reaches_the_counter() {
    let cluster = OwnCluster::start("unread");
    // The counter connects as a role of its own, so one of its privileges can be taken away
    // (and given back) while the change feed and everything else keep working.
    // The back office (the admin) makes the shop's ledger and owns it; the counter may only use
    // its tables (no CREATE on the schema), as a careful shop's database would have it.
    psql(&cluster, "recur", "CREATE ROLE counter_a LOGIN PASSWORD 'counter-a'");
    psql(&cluster, "recur", "CREATE DATABASE shop");
    let admin = on_database(&cluster, "shop");
    let back_office = recur_ledger::Ledger::open_at(&admin, None, recur_ledger::Origin::new("", "B").unwrap())
        .expect("the back office's handle");
    psql(
        &cluster,
        "shop",
        "GRANT ALL ON ALL TABLES IN SCHEMA public TO counter_a; \
         GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO counter_a",
    );
    let recur = Sandbox::start(SandboxConfig::for_tests()).unwrap();
    let home = tempfile::tempdir().unwrap();
    let url = format!("postgres://counter_a:counter-a@127.0.0.1:{}/shop", cluster.port());
    let (station, rt) = counter_at(&url, &recur, &home, &[("RECUR_POS_COUNTER", "A")]);
    let counter = rt.block_on(station.open(window_plan())).expect("the counter opens");
    let mut events = counter.subscribe();

    // The counter may no longer read sales; the back office writes one.
    psql(&cluster, "shop", "REVOKE SELECT ON sales FROM counter_a");
    let sale = back_office
        .record_cash_sale(
            recur_ledger::NewSale {
                product_id: recur_domain::ProductId::new("prod_latte"),
                product_name: "拿鐵".into(),
                mode: recur_domain::Mode::Payment,
                amount: recur_domain::Money::new(120),
                currency: recur_domain::Currency::twd(),
                customer_email: None,
                customer_name: None,
            },
            recur_domain::Money::new(120),
            recur_domain::Timestamp::now(),
        )
        .expect("the back office's cash sale");
    let heard = |events: &mut broadcast::Receiver<CoreEvent>, within: Duration| {
        let deadline = Instant::now() + within;
        loop {
            match events.try_recv() {
                Ok(CoreEvent::SaleChanged(changed)) if changed.id == sale.id => return true,
                Ok(_) | Err(broadcast::error::TryRecvError::Lagged(_)) => {}
                Err(broadcast::error::TryRecvError::Empty) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(_) => return false,
            }
        }
    };
    assert!(
        !heard(&mut events, Duration::from_secs(1)),
        "a sale the counter cannot read was announced"
    );
    assert!(counter.shared_status().reachable, "the database still answers");

    // Readable again: the follower, which kept the change, reads it at its next quiet tick.
    psql(&cluster, "shop", "GRANT SELECT ON sales TO counter_a");
    assert!(
        heard(&mut events, Duration::from_secs(3)),
        "the change was dropped after its first read failed"
    );
    station.shutdown();
}
