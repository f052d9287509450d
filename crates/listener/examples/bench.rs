//! Benchmark (not a test): how many webhooks per second the listener verifies, journals and
//! durably commits, and what it still does under attack.
//!
//! `cargo run --release -p recur-listener --example bench [-- EVENTS_PER_LEVEL]`
//!
//! (a) SQLite alone (the same bundled SQLite the ledger uses): one small INSERT per transaction,
//!     WAL, synchronous=FULL — what a listener that committed each event on its own could reach
//!     at best.
//! (b) The listener over loopback with 1, 16 and 64 concurrent keep-alive senders; every event
//!     is unique, signed, creates a journal row and matches a real sale. Events/s counts only
//!     acknowledged (committed) events; latency is from sending a request to reading its 200.
//!     A sender opens a new connection when the listener ends one (100 requests each).
//! (c) 300 slow clients hold every connection they can (and come back when cut) while 200
//!     genuine signed deliveries arrive, each on a new connection: how many got 200, p99.
//! (d) 2,000 unsigned 1 MiB posts claiming `product.updated`: how much the ledger's data grew
//!     (WAL checkpointed into the file before and after), and how often the app's outcome hook
//!     was called (it must not be).
//!
//! Bounded: at most EVENTS_PER_LEVEL (default 10,000) events and 20 s per level.

#[path = "../tests/it/load.rs"]
#[allow(dead_code)]
mod load;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use recur_domain::{CheckoutId, Currency, Mode, Money, ProductId, Secret, Timestamp};
use recur_ledger::{Ledger, NewCheckout, NewSale};
use recur_listener::{Hooks, Listener, ListenerConfig, ListenerStats};

const SECRET: &str = "whsec_bench";
const LEVELS: [usize; 3] = [1, 16, 64];
const SALES: usize = 256;
const LEVEL_TIME: Duration = Duration::from_secs(20);
const SQLITE_TIME: Duration = Duration::from_secs(3);
/// SQLite checkpoints the WAL every 1,000 pages by default.
const WARM_UP_COMMITS: usize = 1_100;
const SLOW_CLIENTS: usize = 300;
const GENUINE: usize = 200;
const FLOOD: usize = 2_000;

fn main() {
    let per_level: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let dir = tempfile::tempdir_in(std::env::temp_dir()).expect("tempdir");
    println!("disk: {}", dir.path().display());
    let ceiling = sqlite_ceiling(&dir.path().join("raw.db"), 5_000);
    println!("(a) SQLite durable inserts, 1 INSERT per transaction, WAL, synchronous=FULL: {ceiling:.0} tx/s\n");

    let (ledger, listener) = start(&dir.path().join("ledger.db"), Hooks::default());
    println!("(b) listener, verified + journaled + committed, over loopback keep-alive connections");
    println!(
        "{:>7} {:>8} {:>10} {:>8} {:>8} {:>8} {:>9} {:>11}",
        "senders", "events", "events/s", "p50 ms", "p99 ms", "batches", "avg batch", "vs (a)"
    );
    for (level, senders) in LEVELS.into_iter().enumerate() {
        let before = listener.stats();
        let run = run_level(listener.port(), level, senders, per_level);
        let after = listener.stats();
        report(senders, &run, &before, &after, ceiling);
    }
    listener.shutdown();
    drop(ledger);

    slow_clients(&dir.path().join("slow.db"));
    unsigned_flood(&dir.path().join("flood.db"));
}

fn start(path: &Path, hooks: Hooks) -> (Arc<Ledger>, Listener) {
    let ledger = Arc::new(Ledger::open(path).expect("ledger"));
    for s in 0..SALES {
        open_sale(&ledger, s);
    }
    let config = ListenerConfig::new(0, Secret::new(SECRET));
    let listener = Listener::start(config, Arc::clone(&ledger), hooks).expect("listener");
    (ledger, listener)
}

fn sqlite_ceiling(path: &Path, max: usize) -> f64 {
    let conn = rusqlite::Connection::open(path).expect("raw sqlite");
    let _: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .expect("wal");
    conn.pragma_update(None, "synchronous", "FULL").expect("synchronous");
    conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, event_id TEXT UNIQUE, body BLOB)")
        .expect("table");
    let body = vec![b'x'; 400];
    let insert = |n: usize| {
        conn.execute_batch("BEGIN IMMEDIATE").expect("begin");
        conn.execute(
            "INSERT INTO t (event_id, body) VALUES (?1, ?2)",
            rusqlite::params![format!("evt_{n}"), body],
        )
        .expect("insert");
        conn.execute_batch("COMMIT").expect("commit");
    };
    // Past the first automatic checkpoint, the WAL file is reused instead of growing (as it is
    // for the listener's long-lived ledger): measure that steady state, not the growth.
    let warm_up = Instant::now();
    for n in 0..WARM_UP_COMMITS {
        if warm_up.elapsed() > SQLITE_TIME {
            break;
        }
        insert(n);
    }
    let started = Instant::now();
    let mut n = 0;
    while n < max && started.elapsed() < SQLITE_TIME {
        insert(WARM_UP_COMMITS + n);
        n += 1;
    }
    n as f64 / started.elapsed().as_secs_f64()
}

fn open_sale(ledger: &Ledger, s: usize) {
    let now = Timestamp::now();
    let new = NewSale {
        product_id: ProductId::new("prod_latte"),
        product_name: "拿鐵咖啡".into(),
        mode: Mode::Payment,
        amount: Money::new(120),
        currency: Currency::twd(),
        customer_email: None,
        customer_name: None,
    };
    let sale = ledger.create_sale(new, now).expect("sale");
    let checkout = NewCheckout {
        checkout_id: CheckoutId::new(format!("cs_bench_{s}")),
        url: "https://x/".into(),
        expires_at: None,
    };
    ledger.attach_checkout(&sale.id, checkout, now).expect("checkout");
}

struct Run {
    acked: usize,
    elapsed: Duration,
    latencies: Vec<Duration>,
}

fn run_level(port: u16, level: usize, senders: usize, events: usize) -> Run {
    let per_sender = events / senders;
    let deadline = Instant::now() + LEVEL_TIME;
    // Requests are built (and signed) before the clock starts: the benchmark measures the listener.
    let work: Vec<Vec<Vec<u8>>> = (0..senders)
        .map(|s| {
            (0..per_sender)
                .map(|n| load::signed_request(SECRET, &body(&format!("evt_b{level}_{s}_{n}"), (s + n) % SALES)))
                .collect()
        })
        .collect();
    let started = Instant::now();
    let threads: Vec<_> = work
        .into_iter()
        .map(|requests| std::thread::spawn(move || send_all(port, &requests, deadline)))
        .collect();
    let mut latencies = Vec::with_capacity(events);
    for thread in threads {
        latencies.extend(thread.join().expect("sender"));
    }
    Run {
        acked: latencies.len(),
        elapsed: started.elapsed(),
        latencies,
    }
}

fn body(event_id: &str, sale: usize) -> Vec<u8> {
    format!(
        r#"{{"id":"{event_id}","type":"checkout.created","timestamp":"{}","data":{{"id":"cs_bench_{sale}","status":"OPEN","amount":120,"currency":"TWD"}}}}"#,
        Timestamp::now().to_rfc3339()
    )
    .into_bytes()
}

/// Keep-alive connections; each request waits for its answer. Returns acknowledged latencies.
fn send_all(port: u16, requests: &[Vec<u8>], deadline: Instant) -> Vec<Duration> {
    let connect = || {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        stream.set_read_timeout(Some(Duration::from_secs(30))).expect("timeout");
        stream
    };
    let mut stream = connect();
    let mut latencies = Vec::with_capacity(requests.len());
    let mut buf = Vec::with_capacity(1024);
    for request in requests {
        if Instant::now() >= deadline {
            break;
        }
        let sent = Instant::now();
        stream.write_all(request).expect("send");
        let (status, closing) = read_response(&mut stream, &mut buf);
        assert_eq!(status, 200, "the listener refused a benchmark event");
        latencies.push(sent.elapsed());
        if closing {
            stream = connect();
        }
    }
    latencies
}

/// Reads one response (head + Content-Length body); returns its status and whether the
/// listener closes the connection after it.
fn read_response(stream: &mut TcpStream, buf: &mut Vec<u8>) -> (u16, bool) {
    buf.clear();
    let mut chunk = [0u8; 2048];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .split("\r\n")
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                let status = head.get(9..12).and_then(|s| s.parse().ok()).unwrap_or(0);
                return (status, head.contains("\r\nconnection: close"));
            }
        }
        let n = stream.read(&mut chunk).expect("read");
        assert!(n > 0, "the listener closed the connection");
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn report(senders: usize, run: &Run, before: &ListenerStats, after: &ListenerStats, ceiling: f64) {
    let rate = run.acked as f64 / run.elapsed.as_secs_f64();
    let batches = after.batches - before.batches;
    let committed = after.applied - before.applied;
    assert_eq!(
        committed as usize, run.acked,
        "acknowledged events must equal committed ones"
    );
    println!(
        "{senders:>7} {:>8} {rate:>10.0} {:>8.2} {:>8.2} {batches:>8} {:>9.1} {:>10.2}x",
        run.acked,
        load::percentile_ms(&run.latencies, 0.50),
        load::percentile_ms(&run.latencies, 0.99),
        committed as f64 / batches.max(1) as f64,
        rate / ceiling
    );
}

fn slow_clients(path: &Path) {
    let (_ledger, listener) = start(path, Hooks::default());
    let slow = load::SlowClients::hold(listener.port(), SLOW_CLIENTS);
    std::thread::sleep(Duration::from_millis(500));
    let requests = (0..GENUINE)
        .map(|n| load::signed_request(SECRET, &body(&format!("evt_slow_{n}"), n % SALES)))
        .collect();
    let started = Instant::now();
    let delivered = load::deliver_each(listener.port(), requests, 4);
    let elapsed = started.elapsed();
    let reconnects = slow.reconnects();
    slow.stop();
    let ok = delivered.iter().filter(|d| d.status == 200).count();
    let latencies: Vec<Duration> = delivered.iter().map(|d| d.latency).collect();
    println!(
        "\n(c) {SLOW_CLIENTS} slow clients held open ({reconnects} reconnects after being cut), {GENUINE} genuine \
         signed deliveries on new connections:\n    {ok}/{GENUINE} got 200 in {:.2} s; p50 {:.1} ms, p99 {:.1} ms, \
         max {:.1} ms; {} connections closed for room",
        elapsed.as_secs_f64(),
        load::percentile_ms(&latencies, 0.50),
        load::percentile_ms(&latencies, 0.99),
        load::percentile_ms(&latencies, 1.0),
        listener.stats().evicted
    );
    listener.shutdown();
}

fn unsigned_flood(path: &Path) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let hooks = Hooks {
        on_outcome: Some(Arc::new(move |_: &recur_ledger::WebhookOutcome, _: Option<&str>| {
            counted.fetch_add(1, Ordering::Relaxed);
        })),
        on_return: None,
    };
    let (ledger, listener) = start(path, hooks);
    let before = load::ledger_bytes(path);
    let started = Instant::now();
    let answered = load::flood_unsigned(listener.port(), FLOOD, 1024 * 1024, 8);
    let elapsed = started.elapsed();
    let stats = listener.stats();
    listener.shutdown();
    let grown = load::ledger_bytes(path).saturating_sub(before);
    let per_digest = grown as f64 / (stats.unverified - stats.unverified_dropped).max(1) as f64;
    let kept = ledger.journal(100_000).expect("journal").len();
    println!(
        "\n(d) {FLOOD} unsigned 1 MiB posts claiming product.updated, 8 senders, {:.1} s ({answered} read their 401):\n    \
         the ledger grew by {:.1} KB ({per_digest:.0} bytes a digest); {kept} digests journaled, {} not; \
         outcome-hook calls: {}",
        elapsed.as_secs_f64(),
        grown as f64 / 1e3,
        stats.unverified_dropped,
        calls.load(Ordering::Relaxed)
    );
}
