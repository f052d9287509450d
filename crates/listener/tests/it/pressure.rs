//! The listener under attack (issue 9, items 1 and 3): slow clients holding every connection
//! they can get must not keep Recur's deliveries out, and a flood of unsigned 1 MiB posts must
//! cost the ledger almost nothing. Both fail on the thread-per-connection listener this crate
//! had before hyper: its 256 threads were all held (0 of 100 deliveries got a 200) and every
//! unsigned body was journaled whole (200 posts grew the ledger by 204 MiB).
//!
//! Bounded in count and time, so they hold on a busy two-core machine.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::load::{self, SlowClients};
use crate::support::{event, Env, SECRET};

const SLOW_CLIENTS: usize = 300;
const GENUINE: usize = 200;
const FLOOD: usize = 2_000;
const MIB: usize = 1024 * 1024;

#[test]
fn genuine_deliveries_get_through_hundreds_of_slow_clients() {
    // The default configuration: 256 connections, so 300 slow clients are more than fit.
    let env = Env::start();
    for n in 0..GENUINE {
        env.open_sale("prod_latte", 120, &format!("cs_slow_{n}"), None);
    }
    let slow = SlowClients::hold(env.port(), SLOW_CLIENTS);
    // Let them settle in: every connection the listener will give is taken.
    std::thread::sleep(Duration::from_millis(500));
    let requests: Vec<Vec<u8>> = (0..GENUINE)
        .map(|n| {
            let body = event(
                &format!("evt_slow_{n}"),
                "checkout.created",
                json!({"id": format!("cs_slow_{n}")}),
            );
            load::signed_request(SECRET, &body)
        })
        .collect();
    let started = Instant::now();
    let delivered = load::deliver_each(env.port(), requests, 4);
    let elapsed = started.elapsed();
    let reconnects = slow.reconnects();
    slow.stop();
    let ok = delivered.iter().filter(|d| d.status == 200).count();
    let latencies: Vec<Duration> = delivered.iter().map(|d| d.latency).collect();
    let p99 = load::percentile_ms(&latencies, 0.99);
    let stats = env.listener.stats();
    println!(
        "{SLOW_CLIENTS} slow clients ({reconnects} reconnects): {ok}/{GENUINE} genuine deliveries got 200 in \
         {elapsed:?}, p99 {p99:.1} ms; {} connections closed for room",
        stats.evicted
    );
    assert_eq!(
        ok,
        GENUINE,
        "statuses: {:?}",
        delivered.iter().map(|d| d.status).collect::<Vec<_>>()
    );
    assert!(p99 < 10_000.0, "p99 {p99:.1} ms");
    assert!(stats.evicted > 0, "the slow clients did fill the listener: {stats:?}");
    assert_eq!(stats.applied, GENUINE as u64);
}

#[test]
fn a_flood_of_unsigned_megabyte_posts_barely_grows_the_ledger() {
    let env = Env::start();
    let path = env.ledger.path().to_path_buf();
    let before = load::ledger_bytes(&path);
    let started = Instant::now();
    let answered = load::flood_unsigned(env.port(), FLOOD, MIB, 8);
    let elapsed = started.elapsed();
    // Digests are journaled after the 401: wait until the writer has taken them all.
    let stats = env.listener.stats();
    let journaled = (stats.unverified - stats.unverified_dropped) as usize;
    crate::support::wait_until(Duration::from_secs(10), || {
        env.ledger.journal(100_000).unwrap().len() == journaled
    });
    let grown = load::ledger_bytes(&path).saturating_sub(before);
    println!(
        "{FLOOD} unsigned 1 MiB posts in {elapsed:?} ({answered} read a 401): ledger grew by {} KiB; \
         {journaled} digests journaled, {} not",
        grown / 1024,
        stats.unverified_dropped
    );
    assert_eq!(stats.unverified, FLOOD as u64, "{stats:?}");
    assert!(grown < MIB as u64, "the ledger grew by {grown} bytes");
    assert_eq!((stats.applied, stats.batches), (0, 0), "{stats:?}");
    let journal = env.ledger.journal(100_000).unwrap();
    assert!(journal
        .iter()
        .all(|e| !e.verified && e.body.len() <= 256 && e.body_len == MIB as u64));
    assert!(
        !journal.is_empty() && journal.len() < FLOOD / 10,
        "{} digests",
        journal.len()
    );
}
