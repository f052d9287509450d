//! Group commit under concurrent senders, a stalled client that must not hold up others, and a
//! full listener: who makes room, and when a connection is refused.

use std::io::Write;
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use recur_domain::EventId;
use recur_ledger::{Ledger, WebhookOutcome};
use recur_listener::Hooks;
use serde_json::json;

use crate::support::{event, signed_request, Client, Env};

const SENDERS: usize = 64;
const PER_SENDER: usize = 8;

#[test]
fn concurrent_senders_are_acknowledged_only_after_their_batch_commits() {
    // The witness of "committed" is a second, independent connection to the ledger file: it
    // sees only what a COMMIT made durable, never the writer's open transaction.
    let committed = Arc::new(Mutex::new(0usize));
    let seen = Arc::clone(&committed);
    let hooks = Hooks {
        on_outcome: Some(Arc::new(move |_: &WebhookOutcome, _: Option<&str>| {
            *seen.lock().unwrap() += 1
        })),
        on_return: None,
    };
    let env = Arc::new(Env::start_with(|_| {}, hooks));
    for s in 0..SENDERS {
        env.open_sale("prod_latte", 120, &format!("cs_gc_{s}"), None);
    }
    let barrier = Arc::new(Barrier::new(SENDERS));
    let senders: Vec<_> = (0..SENDERS)
        .map(|s| {
            let (env, barrier) = (Arc::clone(&env), Arc::clone(&barrier));
            std::thread::spawn(move || {
                let witness = Ledger::open(env.ledger.path()).expect("second connection");
                let mut client = env.client();
                barrier.wait();
                for n in 0..PER_SENDER {
                    let body = event(
                        &format!("evt_gc_{s}_{n}"),
                        "checkout.created",
                        json!({"id": format!("cs_gc_{s}")}),
                    );
                    let response = client.post_signed(&body);
                    assert_eq!(response.status, 200, "{}", response.text());
                    let id = EventId::new(format!("evt_gc_{s}_{n}"));
                    assert!(
                        witness.journal_entry(&id).unwrap().is_some(),
                        "acknowledged before commit: {id}"
                    );
                }
            })
        })
        .collect();
    for sender in senders {
        sender.join().expect("sender");
    }
    let total = SENDERS * PER_SENDER;
    let stats = env.listener.stats();
    assert_eq!(
        (stats.received, stats.applied),
        (total as u64, total as u64),
        "{stats:?}"
    );
    assert_eq!(env.journal().len(), total);
    assert!(
        stats.batches < total as u64 && stats.largest_batch > 1,
        "no group commit happened: {stats:?}"
    );
    assert!(crate::support::wait_until(Duration::from_secs(5), || *committed
        .lock()
        .unwrap()
        == total));
}

#[test]
fn a_stalled_client_does_not_block_other_senders() {
    let env = Env::start_with(|c| c.workers = 2, Hooks::default());
    env.open_sale("prod_latte", 120, "cs_slow", None);
    // More stalled connections than warm workers: half a head, and a head with half a body.
    let mut stalled = Vec::new();
    for n in 0..4 {
        let mut client = env.client();
        client
            .stream
            .write_all(b"POST /webhooks/recur HTTP/1.1\r\nHost: x\r\n")
            .unwrap();
        stalled.push(client);
        let mut client = env.client();
        let request = signed_request(&event(
            &format!("evt_stall_{n}"),
            "checkout.created",
            json!({"id": "cs_slow"}),
        ));
        client.stream.write_all(&request[..request.len() - 10]).unwrap();
        stalled.push(client);
    }
    for n in 0..20 {
        let started = Instant::now();
        let body = event(&format!("evt_fast_{n}"), "checkout.created", json!({"id": "cs_slow"}));
        let response = Client::connect(env.port()).post_signed(&body);
        assert_eq!(response.status, 200);
        assert!(
            started.elapsed() < Duration::from_secs(2),
            "a sender waited {:?} behind stalled clients",
            started.elapsed()
        );
    }
    assert_eq!(env.listener.stats().applied, 20);
    drop(stalled);
}

#[test]
fn a_full_listener_closes_its_oldest_idle_connection_and_refuses_only_when_all_are_committing() {
    let env = Env::start_with(|c| c.max_connections = 2, Hooks::default());
    env.open_sale("prod_latte", 120, "cs_full", None);
    let body = |n: usize| event(&format!("evt_full_{n}"), "checkout.created", json!({"id": "cs_full"}));
    let mut first = env.client();
    assert_eq!(first.post_signed(&body(1)).status, 200);
    let mut second = env.client();
    assert_eq!(second.post_signed(&body(2)).status, 200);
    // A third connection makes room: the oldest idle one is closed, the newcomer is served.
    let mut third = env.client();
    assert_eq!(third.post_signed(&body(3)).status, 200);
    assert!(first.send(&signed_request(&body(4))).is_err(), "the oldest was closed");
    assert_eq!(second.post_signed(&body(5)).status, 200, "the others keep working");
    assert_eq!(env.listener.stats().evicted, 1);

    // Hold SQLite's write lock from another connection: deliveries now wait, committing.
    let blocker = rusqlite::Connection::open(env.ledger.path()).unwrap();
    blocker.execute_batch("BEGIN IMMEDIATE").unwrap();
    for client in [&mut second, &mut third] {
        let n = client.stream.local_addr().unwrap().port() as usize;
        client.stream.write_all(&signed_request(&body(100 + n))).unwrap();
    }
    // Both connections are committing once their deliveries reached the writer (which waits up
    // to five seconds for the lock).
    std::thread::sleep(Duration::from_secs(1));
    let refused = env.client().read_response().expect("an answer without asking");
    assert_eq!((refused.status, refused.header("Connection")), (503, Some("close")));
    assert_eq!(env.listener.stats().refused, 1);
    blocker.execute_batch("ROLLBACK").unwrap();
    for client in [&mut second, &mut third] {
        assert_eq!(
            client.read_response().unwrap().status,
            200,
            "committed once the lock was free"
        );
    }
}
